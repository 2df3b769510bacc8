"""Readiness: the database answers `SELECT 1` within a second and we are not shutting down.

The ping runs in a thread of its own, one at a time: a database that hangs (a black-holed
connection does not time out on the client side) makes /readyz answer 503 after a second
instead of hanging with it, and probes do not pile up behind the stuck one.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from threading import Lock


class Readiness:
    def __init__(self, ping: Callable[[], None], *, timeout: float = 1.0) -> None:
        self.ping = ping
        self.timeout = timeout
        self.shutting_down = False
        self._lock = Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shop-readiness")
        self._inflight: Future[None] | None = None

    def check(self) -> tuple[bool, str]:
        if self.shutting_down:
            return False, "shutting down"
        with self._lock:
            probe = self._inflight
            if probe is None or probe.done():
                probe = self._inflight = self._pool.submit(self.ping)
        try:
            probe.result(timeout=self.timeout)
        except FutureTimeout:
            return False, f"database did not answer within {self.timeout:g} s"
        except Exception as e:
            return False, f"database unreachable: {type(e).__name__}"
        return True, "ready"

    def close(self) -> None:
        self.shutting_down = True
        self._pool.shutdown(wait=False, cancel_futures=True)

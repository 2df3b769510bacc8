"""High-frequency probes, on the same clock as the requests: the entry URL and the LB's view.

EntryProbe: GET the entry URL every 50 ms (a customer's eye view, independent of Locust).
LbProbe: the load balancer's runtime API every 25 ms; records each server's state changes.
(At 100 ms, `make bench` measured its "marked down" 77 ms off a 20 ms poller; the target is
50 ms. A `show stat` over the stats socket costs well under a millisecond.)
Both are threads that stop when asked, and every call has a timeout.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType

import requests

from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.measure.timeline import BackendEvent, ProbeSample


class _Poller:
    def __init__(self, interval: float, name: str) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def __enter__(self) -> _Poller:
        self.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _loop(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.poll()
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay < 0:
                next_at = time.monotonic()
            elif self._stop.wait(delay):
                break

    def poll(self) -> None:
        raise NotImplementedError


class EntryProbe(_Poller):
    def __init__(self, url: str, *, interval: float = 0.05, timeout: float = 1.0) -> None:
        super().__init__(interval, "entry-probe")
        self.url = url
        self.timeout = timeout
        self.samples: list[ProbeSample] = []
        self._session = requests.Session()

    def poll(self) -> None:
        t = time.time()
        try:
            r = self._session.get(self.url, timeout=self.timeout)
            self.samples.append(ProbeSample(t, time.time() - t, r.status_code))
        except requests.RequestException as e:
            self.samples.append(ProbeSample(t, time.time() - t, 0, type(e).__name__))

    def stop(self) -> None:
        super().stop()
        self._session.close()


class LbProbe(_Poller):
    def __init__(self, address: str, backend: str, *, interval: float = 0.025) -> None:
        super().__init__(interval, "lb-probe")
        self.runtime = HAProxyRuntime(address, timeout=0.5)
        self.backend = backend
        self.events: list[BackendEvent] = []
        self.current: dict[str, str] = {}  # server -> HAProxy's status, e.g. "UP 1/2"
        self.errors = 0

    def poll(self) -> None:
        t = time.time()
        try:
            servers = self.runtime.servers(self.backend)
        except StackError:
            self.errors += 1
            return
        for s in servers:
            before = self.current.get(s.server)
            self.current[s.server] = s.detail
            if before is None or before.split(" ", 1)[0] != s.status:
                prev = before.split(" ", 1)[0] if before else None
                self.events.append(BackendEvent(t, s.server, s.status, prev))

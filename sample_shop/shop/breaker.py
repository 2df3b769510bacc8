"""The circuit breaker around payment: closed -> open after `fail_max` consecutive failures ->
half-open after `reset_timeout` (one trial call at a time) -> closed on success, open again on
failure. Refusals (4xx, e.g. a declined card) mean payment is up and count as successes; a
call that never reached payment (NotAttempted: the checkout's deadline had passed) is not
counted. Every state change is logged as a JSON "breaker_state" event.

Written here rather than taken from a library, on purpose: pybreaker holds its lock for the
whole wrapped call, so every payment call of a replica ran one at a time
(danielfm/pybreaker#3; the PRs removing that lock, #40/#41/#57/#77, were closed unmerged) -
shopchaos measured 500 ms of payment latency turning into 5 s checkouts and 17 % errors under
load. fabfuel/circuitbreaker takes no lock at all. Here the state changes under a lock and the
call itself runs outside it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sample_shop.common.jsonlog import JsonLog
from sample_shop.shop.outbound import NotAttempted, Refused

T = TypeVar("T")


class BreakerOpen(NotAttempted):
    """The breaker refused the call: payment was not contacted."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Breaker:
    def __init__(
        self,
        log: JsonLog,
        *,
        name: str = "payment",
        fail_max: int,
        reset_timeout: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.log = log
        self.name = name
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self._clock = clock
        self._lock = threading.Lock()
        self._state = "closed"
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        with self._lock:
            return self._state

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` unless the breaker is open; count its outcome. Raises BreakerOpen."""
        trial = self._admit()
        try:
            result = fn()
        except NotAttempted:
            self._settle(None, trial)  # nothing reached payment: not counted
            raise
        except Refused:
            self._settle(True, trial)
            raise
        except Exception:
            self._settle(False, trial)
            raise
        self._settle(True, trial)
        return result

    def _admit(self) -> bool:
        """True when this call is the half-open trial; BreakerOpen when it may not run."""
        with self._lock:
            if self._state == "open":
                if self._remaining() > 0:
                    raise BreakerOpen(f"{self.name} circuit breaker is open", self._retry_after())
                self._move("half-open")
            if self._state == "half-open":
                if self._trial_running:
                    raise BreakerOpen(
                        f"{self.name} circuit breaker is half-open", self._retry_after()
                    )
                self._trial_running = True
                return True
            return False

    def _settle(self, ok: bool | None, trial: bool) -> None:
        with self._lock:
            if trial:
                self._trial_running = False
            if ok is None:
                if trial and self._state == "half-open":
                    self._state = "open"  # an uncounted trial: wait for the next one
                return
            if ok:
                self._failures = 0
                if self._state != "closed":
                    self._move("closed")
                return
            self._failures += 1
            if trial or (self._state == "closed" and self._failures >= self.fail_max):
                self._opened_at = self._clock()
                self._move("open")

    def _move(self, new: str) -> None:
        old, self._state = self._state, new
        self.log.info(
            "breaker_state",
            event="breaker_state",
            breaker=self.name,
            old=old,
            new=new,
            fail_counter=self._failures,
            opened_at=self._opened_at,
        )

    def _remaining(self) -> float:
        if self._opened_at is None:
            return 0.0
        return max(0.0, self._opened_at + self.reset_timeout - self._clock())

    def _retry_after(self) -> int:
        return max(1, math.ceil(self._remaining()))

    def retry_after(self) -> int:
        """Whole seconds until the breaker lets a trial call through (at least 1)."""
        with self._lock:
            return self._retry_after()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "state": self._state,
                "fail_counter": self._failures,
                "opened_at": self._opened_at,
            }


DISABLED_SNAPSHOT: dict[str, Any] = {"state": "disabled", "fail_counter": 0, "opened_at": None}

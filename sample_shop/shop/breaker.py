"""A circuit breaker around payment (pybreaker), with its state visible and logged."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import pybreaker

from sample_shop.common.logging import JsonLog
from sample_shop.shop.outbound import Refused, Unavailable

T = TypeVar("T")


class BreakerOpen(Unavailable):
    """The breaker is open: payment was not called."""


class _Listener(pybreaker.CircuitBreakerListener):
    def __init__(self, owner: Breaker) -> None:
        self.owner = owner

    def state_change(self, cb: Any, old_state: Any, new_state: Any) -> None:
        name = str(getattr(new_state, "name", new_state))
        if name == "open":
            self.owner.opened_at = time.time()
        self.owner.log.info(
            "breaker_state",
            event="breaker_state",
            old=str(getattr(old_state, "name", old_state)),
            new=name,
        )


class Breaker:
    def __init__(self, log: JsonLog, *, fail_max: int, reset_timeout: float) -> None:
        self.log = log
        self.opened_at: float | None = None
        self._cb = pybreaker.CircuitBreaker(
            fail_max=fail_max,
            reset_timeout=reset_timeout,
            exclude=[lambda e: isinstance(e, Refused)],
            listeners=[_Listener(self)],
            name="payment",
            throw_new_error_on_trip=False,  # the call that trips it reports its own error
        )

    def call(self, fn: Callable[[], T]) -> T:
        try:
            return self._cb.call(fn)
        except pybreaker.CircuitBreakerError as e:
            raise BreakerOpen("payment circuit breaker is open") from e

    def state(self) -> dict[str, Any]:
        return {
            "state": str(self._cb.current_state),
            "fail_counter": int(self._cb.fail_counter),
            "opened_at": self.opened_at,
        }

"""The breaker's state machine, and that it never serializes calls."""

import threading
import time

import pytest

from sample_shop.common.logging import JsonLog
from sample_shop.shop.breaker import Breaker, BreakerOpen
from sample_shop.shop.outbound import Refused, Unavailable


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def boom() -> None:
    raise Unavailable("down")


def ok() -> str:
    return "ok"


def make(clock: Clock) -> Breaker:
    return Breaker(JsonLog("t", "t"), fail_max=3, reset_timeout=5, clock=clock)


def test_opens_after_fail_max_then_half_opens_and_closes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    clock = Clock()
    b = make(clock)
    for _ in range(3):
        with pytest.raises(Unavailable):
            b.call(boom)
    assert b.state()["state"] == "open"
    with pytest.raises(BreakerOpen):
        b.call(ok)
    clock.now = 5.0
    assert b.call(ok) == "ok"  # the half-open trial succeeds
    assert b.state() == {"state": "closed", "fail_counter": 0, "opened_at": b.opened_at}
    assert '"new":"open"' in capsys.readouterr().out


def test_failed_trial_opens_again() -> None:
    clock = Clock()
    b = make(clock)
    for _ in range(3):
        with pytest.raises(Unavailable):
            b.call(boom)
    clock.now = 6.0
    with pytest.raises(Unavailable):
        b.call(boom)
    assert b.state()["state"] == "open"
    clock.now = 7.0
    with pytest.raises(BreakerOpen):
        b.call(ok)


def test_refusals_do_not_count_as_failures() -> None:
    b = make(Clock())

    def refused() -> None:
        raise Refused(402, "declined")

    for _ in range(5):
        with pytest.raises(Refused):
            b.call(refused)
    assert b.state()["state"] == "closed"


def test_calls_run_concurrently() -> None:
    b = make(Clock())
    inside = threading.Barrier(4, timeout=5)

    def slow() -> None:
        inside.wait()  # all four must be inside the breaker at the same time

    threads = [threading.Thread(target=b.call, args=(slow,)) for _ in range(4)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert time.perf_counter() - started < 5
    assert not inside.broken

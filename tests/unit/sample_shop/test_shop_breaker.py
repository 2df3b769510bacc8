"""The payment circuit breaker on its own: states, counting, concurrency, events."""

from __future__ import annotations

import io
import json
import threading
import time

import pytest

from sample_shop.common.jsonlog import JsonLog
from sample_shop.shop.breaker import Breaker, BreakerOpen
from sample_shop.shop.outbound import Refused, Unavailable


def breaker(fail_max: int = 3, reset: float = 30.0) -> tuple[Breaker, io.StringIO]:
    out = io.StringIO()
    return Breaker(JsonLog("shop", "t", stream=out), fail_max=fail_max, reset_timeout=reset), out


def fail() -> None:
    raise Unavailable("payment down")


def refuse() -> None:
    raise Refused("payment", "/authorize", 402, "card_declined")


def test_opens_after_fail_max_consecutive_failures_and_fails_fast() -> None:
    b, _ = breaker(fail_max=3)
    for _ in range(2):
        with pytest.raises(Unavailable):
            b.call(fail)
    assert b.call(lambda: "ok") == "ok"  # a success resets the count
    assert b.snapshot()["fail_counter"] == 0
    for _ in range(3):
        with pytest.raises(Unavailable) as e:
            b.call(fail)
        assert not isinstance(e.value, BreakerOpen)  # the tripping call reports its own error
    assert b.state == "open"
    called = []
    with pytest.raises(BreakerOpen) as opened:
        b.call(lambda: called.append(1))
    assert called == []
    assert 29 <= opened.value.retry_after <= 30
    snap = b.snapshot()
    assert snap["state"] == "open" and snap["fail_counter"] == 3
    assert time.time() - snap["opened_at"] < 5


def test_refusals_mean_payment_is_up() -> None:
    b, _ = breaker(fail_max=2)
    for _ in range(5):
        with pytest.raises(Refused):
            b.call(refuse)
    assert b.state == "closed"


def test_half_open_lets_one_trial_through_then_closes_or_opens_again() -> None:
    b, _ = breaker(fail_max=1, reset=0.1)
    with pytest.raises(Unavailable):
        b.call(fail)
    time.sleep(0.15)
    with pytest.raises(Unavailable):
        b.call(fail)  # the trial fails
    assert b.state == "open"
    with pytest.raises(BreakerOpen):
        b.call(lambda: None)
    time.sleep(0.15)
    assert b.call(lambda: 42) == 42
    assert b.state == "closed"


def test_only_one_trial_at_a_time() -> None:
    b, _ = breaker(fail_max=1, reset=0.05)
    with pytest.raises(Unavailable):
        b.call(fail)
    time.sleep(0.1)
    inside, release = threading.Event(), threading.Event()

    def slow_trial() -> str:
        inside.set()
        release.wait(5)
        return "done"

    results: list[str] = []
    t = threading.Thread(target=lambda: results.append(b.call(slow_trial)))
    t.start()
    assert inside.wait(5)
    assert b.state == "half-open"
    with pytest.raises(BreakerOpen):
        b.call(lambda: "second")
    release.set()
    t.join(5)
    assert results == ["done"] and b.state == "closed"


def test_calls_run_concurrently_not_one_at_a_time() -> None:
    """The call runs outside the breaker's lock (pybreaker's call() would serialize them)."""
    b, _ = breaker()
    barrier = threading.Barrier(4, timeout=5)
    results: list[int] = []

    def call() -> int:
        barrier.wait()  # only passes when all four calls are inside at once
        return 1

    threads = [threading.Thread(target=lambda: results.append(b.call(call))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == [1, 1, 1, 1]


def test_state_changes_are_logged_as_json_events() -> None:
    b, out = breaker(fail_max=1, reset=0.05)
    with pytest.raises(Unavailable):
        b.call(fail)
    time.sleep(0.1)
    b.call(lambda: None)
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(e["msg"], e["old"], e["new"]) for e in events] == [
        ("breaker_state", "closed", "open"),
        ("breaker_state", "open", "half-open"),
        ("breaker_state", "half-open", "closed"),
    ]
    assert all(e["event"] == "breaker_state" and e["service"] == "shop" for e in events)
    assert events[0]["opened_at"] is not None and events[0]["fail_counter"] == 1

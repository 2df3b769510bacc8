"""The load's request cap: far above any rate, and met mid-trial it is an error."""

from __future__ import annotations

from harness.load.wire import StateChange
from harness.scenario.trial import MAX_RATE, _cap_reached, request_cap


def test_the_cap_is_far_above_what_one_process_sends() -> None:
    assert request_cap(10) == 200_000
    assert request_cap(720) == 720 * MAX_RATE >= 720 * 3066 * 5  # 5x the fastest process seen


def test_a_cap_met_before_the_end_is_an_error_after_it_not() -> None:
    states = [
        StateChange("lag", 5.0, 0.01),
        StateChange("limit", 8.0, 1000),
        StateChange("limit:1", 9.5, 500),
        StateChange("limit", 12.0, 2000),  # after the trial: the load stopping by itself
    ]
    errors = _cap_reached(states, end=10.0)
    assert len(errors) == 2
    assert "(1000 requests) 2.0s before the trial's end" in errors[0]
    assert "(500 requests) 0.5s before" in errors[1]

"""The clock correction: NTP round trips bound a remote worker's offset, whatever the network."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.load.clock import DRIFT, ClockEstimate, ClockTracker, sample, too_uncertain


def trip(true_offset: float, t1: float, out: float, held: float, back: float) -> tuple[float, ...]:
    """A ping sent at harness time t1 that takes `out` s there, is held `held` s, `back` s back."""
    t2 = t1 + out + true_offset
    t3 = t2 + held
    t4 = t1 + out + held + back
    return t1, t2, t3, t4


def test_a_symmetric_round_trip_gives_the_offset_exactly() -> None:
    s = sample(*trip(5.0, 100.0, 0.002, 0.0005, 0.002))
    assert s.offset == pytest.approx(5.0, abs=1e-9)
    assert s.delay == pytest.approx(0.004)
    assert s.t == pytest.approx(100.0045)


def test_an_asymmetric_path_moves_the_offset_but_stays_within_half_the_delay() -> None:
    s = sample(*trip(-2.0, 10.0, 0.010, 0.0, 0.001))  # 10 ms out, 1 ms back
    assert s.offset == pytest.approx(-2.0 + 0.0045)
    assert abs(s.offset - -2.0) <= s.delay / 2 + 1e-12


@given(
    offset=st.floats(-3600, 3600),
    trips=st.lists(
        st.tuples(st.floats(0, 0.05), st.floats(0, 0.01), st.floats(0, 0.05), st.floats(0.0, 2.0)),
        min_size=1,
        max_size=30,
    ),
)
def test_the_estimate_always_contains_the_true_offset(
    offset: float, trips: list[tuple[float, float, float, float]]
) -> None:
    tracker = ClockTracker()
    t = 1000.0
    for out, held, back, gap in trips:
        tracker.add(sample(*trip(offset, t, out, held, back)))
        t += out + held + back + gap
    est = tracker.estimate(t)
    assert est is not None
    assert abs(est.offset - offset) <= est.uncertainty + 1e-6


def test_more_round_trips_narrow_the_estimate_to_the_best_one() -> None:
    tracker = ClockTracker(drift=0.0)
    tracker.add(sample(*trip(1.0, 0.0, 0.020, 0.0, 0.001)))  # 21 ms round trip, lopsided
    first = tracker.estimate(1.0)
    tracker.add(sample(*trip(1.0, 1.0, 0.0005, 0.0, 0.0005)))  # 1 ms round trip
    second = tracker.estimate(2.0)
    assert first is not None and second is not None
    assert second.uncertainty <= 0.0005 + 1e-12 < first.uncertainty
    assert second.offset == pytest.approx(1.0, abs=0.0005)
    assert second.samples == 2


def test_an_old_sample_widens_with_the_assumed_drift() -> None:
    tracker = ClockTracker()
    tracker.add(sample(*trip(0.0, 0.0, 0.001, 0.0, 0.001)))
    fresh, aged = tracker.estimate(0.002), tracker.estimate(100.002)
    assert fresh is not None and aged is not None
    assert aged.uncertainty == pytest.approx(fresh.uncertainty + 100 * DRIFT)


def test_a_stepped_clock_drops_the_samples_from_before_the_step() -> None:
    tracker = ClockTracker()
    for i in range(5):
        tracker.add(sample(*trip(0.0, float(i), 0.001, 0.0, 0.001)))
    for i in range(5, 8):  # the worker's clock jumped 2 s ahead
        tracker.add(sample(*trip(2.0, float(i), 0.001, 0.0, 0.001)))
    est = tracker.estimate(8.0)
    assert est is not None
    assert est.offset == pytest.approx(2.0, abs=0.002)
    assert est.samples == 3


def test_no_round_trip_no_estimate() -> None:
    assert ClockTracker().estimate(1.0) is None
    with pytest.raises(ValueError):
        ClockTracker(history=0)


def test_an_estimate_moves_a_worker_time_onto_the_harness_clock() -> None:
    assert ClockEstimate(offset=5.0, uncertainty=0.001, samples=3).to_harness(105.0) == 100.0


def test_workers_known_less_precisely_than_the_resolution_are_flagged() -> None:
    clocks = {
        "1": ClockEstimate(0.0, 0.0005, 10),
        "2": ClockEstimate(5.0, 0.004, 10),
    }
    assert list(too_uncertain(clocks, 0.0025)) == ["2"]
    assert too_uncertain(clocks, 0.01) == {}

"""Event-loop lag: one p99 per second of 0.1 s ticks."""

from __future__ import annotations

import pytest

from harness.load.lag import LagMeter


def test_one_summary_per_period_with_the_p99_of_its_ticks() -> None:
    meter = LagMeter(start=0.0)
    closed = [meter.add(0.1 * (i + 1), 0.001 * (i + 1)) for i in range(10)]
    assert closed[:9] == [None] * 9
    last = closed[9]
    assert last is not None
    t, p99 = last
    assert t == pytest.approx(1.0)
    assert p99 == pytest.approx(0.00991)  # between the 9th and 10th ms, numpy's way


def test_a_stalled_loop_shows_as_one_late_tick_and_the_next_period_starts_fresh() -> None:
    meter = LagMeter(start=0.0)
    assert meter.add(0.1, 0.0) is None
    got = meter.add(2.5, 2.3)  # the loop was blocked for 2.3 s
    assert got is not None and got[1] > 2.0
    assert meter.add(2.6, 0.001) is None  # the next period ends at 3.0
    after = meter.add(3.0, 0.002)
    assert after is not None and after[1] == pytest.approx(0.002, abs=1e-4)


def test_early_ticks_count_as_no_lag() -> None:
    meter = LagMeter(start=0.0, period=0.2)
    meter.add(0.1, -0.001)
    got = meter.add(0.2, -0.002)
    assert got == (0.2, 0.0)
    with pytest.raises(ValueError):
        LagMeter(start=0.0, period=0)

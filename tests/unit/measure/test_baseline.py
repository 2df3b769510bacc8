"""The steady state: by completion before the first fault, latency of successes only."""

import pytest

from harness.measure.baseline import Tolerance, baseline
from harness.measure.timeline import RequestRecord

from .timelines import fail, steady


def test_baseline_of_steady_state() -> None:
    base = baseline(steady(0, 10), 2, 10)
    assert base.rps == pytest.approx(400, rel=0.01)
    assert base.error_rate == 0
    assert base.p95 == pytest.approx(0.002)
    assert base.users == 16
    assert base.successes == base.requests


def test_requests_that_end_after_the_cutoff_stay_out() -> None:
    """A request the fault could have touched (it failed after apply()) must not loosen the
    tolerance: the baseline counts requests that completed before the cutoff."""
    records = [*steady(0, 10), RequestRecord(9.9, 0.5, "GET /", 503, None, 1)]
    base = baseline(records, 2, 10)
    assert base.error_rate == 0


def test_latency_percentiles_are_of_successful_requests() -> None:
    records = fail(steady(0, 10, latency=0.010), lambda r: r.user % 2 == 0, latency=0.0001)
    base = baseline(records, 0, 10)
    assert base.error_rate == pytest.approx(0.5, abs=0.001)
    assert base.p95 == pytest.approx(0.010)


def test_the_latency_bound() -> None:
    base = baseline(steady(0, 10), 0, 10)
    tol = Tolerance(
        error_rate_abs=0.001, p95_factor=1.5, p95_slack=0.005, min_requests=5, significance=0.001
    )
    assert tol.latency_bound(base) == pytest.approx(0.002 * 1.5 + 0.005)
    assert tol.error_bound(base) == pytest.approx(0.001)

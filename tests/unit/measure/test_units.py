"""The slow-request allowance of a unit: the binomial tail, checked against exact arithmetic."""

from __future__ import annotations

from fractions import Fraction
from math import comb

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.measure.baseline import Tolerance, baseline
from harness.measure.timeline import RequestRecord
from harness.measure.units import P95_SHARE, in_flight_at, slow_allowed, tile

from .timelines import fail, steady


def exact_sf(k: int, n: int) -> Fraction:
    """P(X >= k), X ~ Binomial(n, 5 %), in exact rational arithmetic."""
    p = Fraction(P95_SHARE).limit_denominator(1000)
    return sum((comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)), Fraction(0))


def reference(n: int, alpha: float, slack: Fraction = Fraction(0)) -> int:
    """The definition, step by step: the largest k >= ceil(5 % n) with P(X >= k) >= alpha."""
    if n == 0:
        return 0
    k = max(1, -(-n // 20))
    while k <= n and exact_sf(k, n) >= Fraction(alpha) * (1 + slack):
        k += 1
    return k - 1


TIE = Fraction(1, 10**9)  # a tail equal to alpha within float rounding may go either way


@settings(max_examples=60, deadline=None)
@given(n=st.integers(0, 250), alpha=st.sampled_from([1e-4, 1e-3, 0.0125, 0.05, 0.25, 0.5]))
def test_the_allowance_is_the_binomial_tail_definition(n: int, alpha: float) -> None:
    assert reference(n, alpha, TIE) <= slow_allowed(n, alpha) <= reference(n, alpha, -TIE)


def test_known_allowances() -> None:
    assert slow_allowed(0, 0.05) == 0
    assert slow_allowed(1, 0.04) == 1  # P(X >= 1) = 5 %: one slow request out of one is chance
    assert slow_allowed(1, 0.1) == 0
    assert slow_allowed(100, 0.05) == reference(100, 0.05) == 9
    assert slow_allowed(5, 0.0125) == 2  # P(X >= 2) = 2.3 %, P(X >= 3) = 0.1 %
    big = slow_allowed(100_000, 0.001)
    assert 5_000 < big < 5_000 + 4 * 69  # the mean plus ~3 sd (sd = 68.9)


def test_the_first_unit_judges_the_requests_it_carried_for_errors_not_throughput() -> None:
    """Requests in flight at the span's start count in its first unit's error rate and
    latency, not as requests started in it: a stalled stack whose customers all hang is bad
    for its throughput even though the hung requests are carried in."""
    tol = Tolerance(
        error_rate_abs=0.001, p95_factor=1.5, p95_slack=0.005, min_requests=5, significance=0.001
    )
    records = sorted(fail(steady(0, 30, latency=0.05), lambda r: 9.97 < r.t < 9.98), key=_t)
    starts = [r.t for r in records]
    base = baseline(records, 2, 9)
    carried = in_flight_at(records, starts, 10.0, 0.05)
    assert len(carried) == 20 and all(records[i].t < 10.0 <= records[i].end for i in carried)
    first = tile(records, starts, 10.0, 12.0, 1.0, base, tol, carried=carried)[0]
    assert first.bad and first.why == "errors" and first.requests == 420
    assert tile(records, starts, 10.0, 12.0, 1.0, base, tol)[0].bad is False
    # nothing started in [10, 11): bad for throughput although 20 requests were carried
    stalled = [r for r in records if not 10.0 <= r.t < 11.0]
    s_starts = [r.t for r in stalled]
    held = in_flight_at(stalled, s_starts, 10.0, 0.05)
    unit = tile(stalled, s_starts, 10.0, 12.0, 1.0, base, tol, carried=held)[0]
    assert unit.why == "errors"  # the carried failures are judged first
    ok = [r for r in steady(0, 30, latency=0.05) if not 10.0 <= r.t < 11.0]
    o_starts = [r.t for r in ok]
    unit = tile(
        ok, o_starts, 10.0, 12.0, 1.0, base, tol, carried=in_flight_at(ok, o_starts, 10.0, 0.05)
    )[0]
    assert unit.why == "throughput"


def _t(r: RequestRecord) -> float:
    return r.t

"""The slow-request allowance of a unit: the binomial tail, checked against exact arithmetic."""

from __future__ import annotations

from fractions import Fraction
from math import comb

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.measure.units import P95_SHARE, slow_allowed


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

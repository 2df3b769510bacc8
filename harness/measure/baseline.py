"""The steady state before any fault, and the tolerance that says "back to normal"."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.measure.stats import percentile_sorted
from harness.measure.timeline import RequestRecord


@dataclass(frozen=True)
class Baseline:
    start: float
    end: float
    rps: float
    error_rate: float
    p50: float | None
    p95: float | None
    p99: float | None
    requests: int
    users: int


@dataclass(frozen=True)
class Tolerance:
    error_rate_abs: float = 0.001  # error rate may exceed the baseline's by this much
    p95_factor: float = 1.5  # p95 may be this many times the baseline's ...
    p95_slack: float = 0.005  # ... plus this many seconds
    min_requests: int = 5  # a window with fewer requests is not "back to normal"


def baseline(records: Sequence[RequestRecord], start: float, end: float) -> Baseline:
    """Requests started in [start, end)."""
    window = [r for r in records if start <= r.t < end]
    d = sorted(r.duration for r in window)
    failed = sum(r.failed for r in window)
    span = end - start
    return Baseline(
        start=start,
        end=end,
        rps=len(window) / span if span > 0 else 0.0,
        error_rate=failed / len(window) if window else 0.0,
        p50=percentile_sorted(d, 50),
        p95=percentile_sorted(d, 95),
        p99=percentile_sorted(d, 99),
        requests=len(window),
        users=len({r.user for r in window}),
    )


def within(
    base: Baseline, tol: Tolerance, *, error_rate: float | None, p95: float | None, requests: int
) -> bool:
    """Is a window with these figures back within tolerance of the baseline?"""
    if requests < tol.min_requests or error_rate is None:
        return False
    if error_rate > base.error_rate + tol.error_rate_abs:
        return False
    if base.p95 is None or p95 is None:
        return True
    return p95 <= base.p95 * tol.p95_factor + tol.p95_slack

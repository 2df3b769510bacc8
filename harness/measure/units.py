"""Units: the windows a fault's span is judged in, each within tolerance or bad (docs/metrics.md).

A unit is [s, s + W_eff) and holds the requests that started in it. Its width follows the
request rate, so a slow service is judged on enough requests and a fast one precisely:
W_eff = max(W, 2 * min_requests / baseline req/s). Pure functions over records sorted by start.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from harness.measure.baseline import Baseline, Tolerance
from harness.measure.stats import percentile_sorted
from harness.measure.timeline import RequestRecord


@dataclass(frozen=True)
class Unit:
    start: float
    end: float
    lo: int  # records[lo:hi] started in [start, end)
    hi: int
    failures: int
    p95: float | None  # of successful requests
    bad: bool
    why: str | None  # what made it bad: "errors", "latency", "throughput"
    first_bad: int | None  # index of the first bad request in it (failed or too slow)
    last_bad: int | None

    @property
    def requests(self) -> int:
        return self.hi - self.lo


def unit_width(window: float, tol: Tolerance, base: Baseline) -> float:
    """W_eff: at least `window`, and wide enough to hold 2 x min_requests at the baseline rate."""
    if base.rps <= 0:
        return window
    return max(window, 2 * tol.min_requests / base.rps)


def is_bad_request(r: RequestRecord, slow: float | None) -> bool:
    """Failed, or successful but slower than `slow` (L, or the latency SLO when stricter)."""
    return r.failed or (slow is not None and r.duration > slow)


def slow_bound(base: Baseline, tol: Tolerance, latency_slo: float | None) -> float | None:
    bound = tol.latency_bound(base)
    if latency_slo is None:
        return bound
    return latency_slo if bound is None else min(bound, latency_slo)


def tile(
    records: Sequence[RequestRecord],
    starts: Sequence[float],
    start: float,
    end: float,
    width: float,
    base: Baseline,
    tol: Tolerance,
    latency_slo: float | None = None,
) -> list[Unit]:
    """The complete units [start + k*width, ...) that end by `end`, each judged."""
    if width <= 0:
        raise ValueError("unit width must be > 0")
    err_bound = tol.error_bound(base)
    lat_bound = tol.latency_bound(base)
    slow = slow_bound(base, tol, latency_slo)
    unit_lat = lat_bound if latency_slo is None else slow
    expected = base.rps * width
    out: list[Unit] = []
    k = 0
    while start + (k + 1) * width <= end + 1e-9:
        s, e = start + k * width, start + (k + 1) * width
        lo, hi = bisect.bisect_left(starts, s), bisect.bisect_left(starts, e)
        failures = 0
        ok: list[float] = []
        first_bad = last_bad = None
        for i in range(lo, hi):
            r = records[i]
            if r.failed:
                failures += 1
            else:
                ok.append(r.duration)
            if is_bad_request(r, slow):
                if first_bad is None:
                    first_bad = i
                last_bad = i
        ok.sort()
        p95 = percentile_sorted(ok, 95)
        n = hi - lo
        why = None
        if n and failures / n > err_bound + 1e-12:
            why = "errors"
        elif p95 is not None and unit_lat is not None and p95 > unit_lat:
            why = "latency"
        elif n < tol.min_requests and expected >= 2 * tol.min_requests - 1e-9:
            why = "throughput"
        out.append(Unit(s, e, lo, hi, failures, p95, why is not None, why, first_bad, last_bad))
        k += 1
    return out

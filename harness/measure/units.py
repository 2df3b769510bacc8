"""Units: the windows a fault's span is judged in, each within tolerance or bad (docs/metrics.md).

A unit is [s, s + W_eff) and holds the requests that started in it. Its width follows the
request rate, so a slow service is judged on enough requests and a fast one precisely:
W_eff = max(W, 2 * min_requests / baseline req/s). Pure functions over records sorted by start.

Latency is judged per request name, each against its own baseline: a request is *slow* when it
is slower than its name's bound L_name = baseline p95 of that name x p95_factor + p95_slack.
"p95 within the bound" means at most 5 % of requests above it, so a unit is out of tolerance
for latency when, for some name, so many of its requests were slow that this would happen with
probability below `significance` if at most 5 % were (a binomial test, Bonferroni-corrected over
the names in the unit). One aggregate p95 over a mix of fast pages and slow checkouts swings with
the mix of each second; a per-name count does not, and a handful of slow answers in a busy
second is the steady state's own noise, not an impact.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from harness.measure.baseline import Baseline, Tolerance
from harness.measure.stats import percentile_sorted
from harness.measure.timeline import RequestRecord

P95_SHARE = 0.05  # "p95 within the bound": at most this share of requests above it


@dataclass(frozen=True)
class Unit:
    start: float
    end: float
    lo: int  # records[lo:hi] started in [start, end)
    hi: int
    failures: int
    p95: float | None  # of successful requests (for people; latency is judged per name)
    bad: bool
    why: str | None  # what made it bad: "errors", "latency", "throughput"
    first_bad: int | None  # index of the bad request (failed or too slow) that ended first
    last_bad: int | None  # index of the last bad request by start
    carried: tuple[int, ...] = ()  # requests started before it, in flight at its start (below)

    @property
    def requests(self) -> int:
        """The requests it judges: those started in it and those it carried."""
        return self.hi - self.lo + len(self.carried)


def unit_width(window: float, tol: Tolerance, base: Baseline) -> float:
    """W_eff: at least `window`, and wide enough to hold 2 x min_requests at the baseline rate."""
    if base.rps <= 0:
        return window
    return max(window, 2 * tol.min_requests / base.rps)


class Bounds:
    """The latency bound of each request name (its own, or the aggregate one), with the SLO."""

    def __init__(self, base: Baseline, tol: Tolerance, latency_slo: float | None) -> None:
        self._base, self._tol, self._slo = base, tol, latency_slo
        self._cache: dict[str, float | None] = {}

    def of(self, name: str) -> float | None:
        if name not in self._cache:
            bound = self._tol.latency_bound(self._base, name)
            if self._slo is not None:
                bound = self._slo if bound is None else min(bound, self._slo)
            self._cache[name] = bound
        return self._cache[name]

    def slow(self, r: RequestRecord) -> bool:
        bound = self.of(r.name)
        return not r.failed and bound is not None and r.duration > bound


def is_bad_request(r: RequestRecord, bounds: Bounds) -> bool:
    """Failed, or successful but slower than its name's bound (or the latency SLO)."""
    return r.failed or bounds.slow(r)


@lru_cache(maxsize=4096)
def slow_allowed(n: int, alpha: float) -> int:
    """The most slow requests out of n that are still within tolerance: the largest k with
    P(Binomial(n, 5 %) >= k) >= alpha (at least ceil(5 % of n) - 1).

    One pass over the upper tail: the probability of ceil(np) in log space, the next ones by
    the ratio P(i+1)/P(i) = (n-i)/(i+1) * p/q until they no longer count (< 1e-12 of the
    sum), then the tail sums from the top down: O(tail) per n, not O(tail²) lgamma calls."""
    if n == 0:
        return 0
    p = P95_SHARE
    k0 = max(1, math.ceil(n * p))
    log_first = (
        math.lgamma(n + 1)
        - math.lgamma(k0 + 1)
        - math.lgamma(n - k0 + 1)
        + k0 * math.log(p)
        + (n - k0) * math.log1p(-p)
    )
    terms = [math.exp(log_first)]
    total, ratio = terms[0], p / (1 - p)
    for i in range(k0, n):
        term = terms[-1] * (n - i) / (i + 1) * ratio
        if term < total * 1e-12:
            break
        terms.append(term)
        total += term
    tail = 0.0
    for j in range(len(terms) - 1, -1, -1):  # P(X >= k0 + j), from the top
        tail += terms[j]
        if tail >= alpha:
            return k0 + j
    return k0 - 1


def tile(
    records: Sequence[RequestRecord],
    starts: Sequence[float],
    start: float,
    end: float,
    width: float,
    base: Baseline,
    tol: Tolerance,
    latency_slo: float | None = None,
    *,
    carried: Sequence[int] = (),
) -> list[Unit]:
    """The complete units [start + k*width, ...) that end by `end`, each judged, and the
    shorter stretch left before `end` when it holds at least min_requests requests: a trial
    that ends 20 ms short of a whole unit has still watched the service for that long.

    carried: indices of requests started before `start` and still in flight at it, which the
    first unit judges with its own (in_flight_at() finds them). A fault's first unit carries
    the requests in flight when it was applied: their customers saw the fault too, and a
    unit that held requests only by start never judged them (a kill whose only failure was
    such a request read 'no impact' and its promises passed: bench truth, 2026-12-01). They
    count for errors and latency, not for throughput (which is about requests started)."""
    if width <= 0:
        raise ValueError("unit width must be > 0")
    judge = _Judge(records, starts, base, tol, latency_slo)
    out: list[Unit] = []
    k = 0
    while start + (k + 1) * width <= end + 1e-9:
        out.append(judge(start + k * width, start + (k + 1) * width, () if k else carried))
        k += 1
    rest = start + k * width
    if end - rest > 1e-9:
        lo, hi = bisect.bisect_left(starts, rest), bisect.bisect_left(starts, end)
        if hi - lo + (0 if k else len(carried)) >= tol.min_requests:
            out.append(judge(rest, end, () if k else carried))
    return out


def in_flight_at(
    records: Sequence[RequestRecord], starts: Sequence[float], t: float, longest: float
) -> tuple[int, ...]:
    """Indices of the requests started before t that had not ended by it; `longest`, the
    longest request's duration, bounds how far back one can have started."""
    lo, hi = bisect.bisect_left(starts, t - longest), bisect.bisect_left(starts, t)
    return tuple(i for i in range(lo, hi) if records[i].end >= t)


class _Judge:
    """Judges one unit [s, e): errors above the bound, names significantly slow, or too few
    requests for what the baseline rate promised over its width."""

    def __init__(
        self,
        records: Sequence[RequestRecord],
        starts: Sequence[float],
        base: Baseline,
        tol: Tolerance,
        latency_slo: float | None,
    ) -> None:
        self._records, self._starts, self._base, self._tol = records, starts, base, tol
        self._err_bound = tol.error_bound(base)
        self._bounds = Bounds(base, tol, latency_slo)

    def __call__(self, s: float, e: float, carried: Sequence[int] = ()) -> Unit:
        records, tol, bounds = self._records, self._tol, self._bounds
        lo, hi = bisect.bisect_left(self._starts, s), bisect.bisect_left(self._starts, e)
        members = itertools.chain(carried, range(lo, hi)) if carried else range(lo, hi)
        failures = 0
        ok: list[float] = []
        per_name: dict[str, list[int]] = {}  # name -> [successes, slow]
        limits: dict[str, float] = {}  # name -> its bound (inf: none); the hot loop of assess()
        for i in members:
            r = records[i]
            if r.failed:
                failures += 1
                continue
            d = r.duration
            ok.append(d)
            name = r.name
            counts = per_name.get(name)
            if counts is None:
                counts = per_name[name] = [0, 0]
                bound = bounds.of(name)
                limits[name] = math.inf if bound is None else bound
            counts[0] += 1
            if d > limits[name]:
                counts[1] += 1
        ok.sort()
        n = hi - lo + len(carried)
        errors = bool(n) and failures / n > self._err_bound + 1e-12
        slow_names = _significant(per_name, tol.significance)
        why = None
        if errors:
            why = "errors"
        elif slow_names:
            why = "latency"
        elif hi - lo < tol.min_requests and self._base.rps * (e - s) >= 2 * tol.min_requests - 1e-9:
            why = "throughput"
        first_bad = last_bad = None
        if why is not None:  # the requests that made it bad: failures, slow ones of those names
            for i in itertools.chain(carried, range(lo, hi)):
                r = records[i]
                if (errors and r.failed) or (r.name in slow_names and bounds.slow(r)):
                    # first seen: the one that ended first (a request carried in from before
                    # the unit can end after one started in it); last: by start
                    if first_bad is None or r.end < records[first_bad].end:
                        first_bad = i
                    last_bad = i
        p95 = percentile_sorted(ok, 95)
        return Unit(
            s, e, lo, hi, failures, p95, why is not None, why, first_bad, last_bad, tuple(carried)
        )


def _significant(per_name: dict[str, list[int]], significance: float) -> set[str]:
    """The names with more slow requests than tolerance allows at this significance."""
    if not per_name:
        return set()
    alpha = significance / len(per_name)  # Bonferroni over the names in the unit
    return {name for name, (n, slow) in per_name.items() if slow > slow_allowed(n, alpha)}

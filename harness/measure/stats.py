"""Percentiles and distributions over repeated trials (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, compress
from operator import attrgetter, not_
from typing import Any


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default). q in [0, 100]."""
    if not values:
        return None
    if not 0 <= q <= 100:
        raise ValueError(f"percentile q must be in [0, 100], not {q}")
    data = sorted(values)
    return percentile_sorted(data, q)


def percentile_sorted(data: Sequence[float], q: float) -> float | None:
    """percentile() for data that is already sorted."""
    n = len(data)
    if n == 0:
        return None
    pos = (n - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, n - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass(frozen=True)
class Distribution:
    """A metric over repeated trials. `missing`: trials with no value (e.g. never recovered)."""

    n: int
    missing: int
    median: float | None
    p90: float | None
    min: float | None
    max: float | None
    mean: float | None
    ci_low: float | None
    ci_high: float | None
    ci_exact: bool  # True: a 95 % order-statistic interval; False: too few values, [min, max]


def summarize(values: Sequence[float | None]) -> Distribution:
    present = sorted(v for v in values if v is not None)
    missing = len(values) - len(present)
    if not present:
        return Distribution(len(values), missing, None, None, None, None, None, None, None, False)
    lo_i, hi_i = median_ci_ranks(len(present))
    exact = lo_i is not None and hi_i is not None
    return Distribution(
        n=len(values),
        missing=missing,
        median=percentile_sorted(present, 50),
        p90=percentile_sorted(present, 90),
        min=present[0],
        max=present[-1],
        mean=sum(present) / len(present),
        ci_low=present[lo_i] if lo_i is not None else present[0],
        ci_high=present[hi_i] if hi_i is not None else present[-1],
        ci_exact=exact,
    )


def median_ci_ranks(n: int, confidence: float = 0.95) -> tuple[int | None, int | None]:
    """0-based ranks (j, k) of a distribution-free interval for the median: the largest j with
    P(Binomial(n, 1/2) < j+1 ... ) such that [x_j, x_k], k = n-1-j, covers the median with at
    least `confidence`. (None, None) when n is too small (n < 6 for 95 %)."""
    best: int | None = None
    for j in range(n // 2):
        # coverage of [x_(j), x_(n-1-j)] = 1 - 2 * P(B <= j), B ~ Binomial(n, 0.5)
        tail = sum(math.comb(n, i) for i in range(j + 1)) / 2**n
        if 1 - 2 * tail >= confidence:
            best = j
        else:
            break
    if best is None:
        return None, None
    return best, n - 1 - best


_DURATION, _FAILED = attrgetter("duration"), attrgetter("failed")


@dataclass(frozen=True)
class RequestStats:
    """Requests in some span: counts, rates, and latency percentiles of the successful ones."""

    name: str
    requests: int
    failures: int
    error_rate: float | None
    rps: float | None
    p50: float | None
    p95: float | None
    p99: float | None
    p95_failed: float | None = None  # how long the failed ones took (failing fast or not)


def request_stats(name: str, records: Sequence[Any], span: float) -> RequestStats:
    """`records` are RequestRecord-like (duration, failed); latency over successes only."""
    ok, bad = durations_sorted(records)
    return stats_of_sorted(name, ok, bad, span)


def durations_sorted(records: Sequence[Any]) -> tuple[list[float], list[float]]:
    """The durations of the successful and of the failed `records`, each sorted."""
    durations = list(map(_DURATION, records))  # C-level passes: a trial holds millions
    failed = list(map(_FAILED, records))
    ok = list(compress(durations, map(not_, failed)))
    ok.sort()
    bad = list(compress(durations, failed))
    bad.sort()
    return ok, bad


def merged_sorted(runs: Iterable[list[float]]) -> list[float]:
    """Sorted lists as one: sorting their concatenation finds the runs already in order and
    merges them (Timsort), far cheaper than sorting the values afresh. assess() takes a whole
    trial's latencies from its request names' this way."""
    out = list(chain.from_iterable(runs))
    out.sort()
    return out


def stats_of_sorted(name: str, ok: list[float], bad: list[float], span: float) -> RequestStats:
    """RequestStats of requests whose successful and failed durations are `ok` and `bad`,
    each sorted."""
    requests = len(ok) + len(bad)
    return RequestStats(
        name=name,
        requests=requests,
        failures=len(bad),
        error_rate=len(bad) / requests if requests else None,
        rps=requests / span if span > 0 else None,
        p50=percentile_sorted(ok, 50),
        p95=percentile_sorted(ok, 95),
        p99=percentile_sorted(ok, 99),
        p95_failed=percentile_sorted(bad, 95),
    )

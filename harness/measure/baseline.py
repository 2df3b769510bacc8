"""The steady state before any fault, and the tolerance that says "back to normal".

Definitions in docs/metrics.md. The tolerance's numbers come from the scenario schema (the one
place defaults live); nothing here has a default of its own.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from harness.measure.stats import merged_sorted, percentile_sorted
from harness.measure.timeline import RequestRecord


@dataclass(frozen=True)
class Baseline:
    start: float
    end: float  # the cutoff: requests completed before it (the first fault's apply() call)
    rps: float
    error_rate: float
    p50: float | None  # percentiles of successful requests
    p95: float | None
    p99: float | None
    requests: int
    successes: int
    users: int
    # per request name: p95 of its successful requests (their maximum, with only a few)
    p95_by_name: Mapping[str, float] = field(default_factory=dict)


MIN_PER_NAME = 20  # successful baseline requests a name needs for its p95 ...
MIN_FOR_MAX = 3  # ... below that, its slowest one stands in; below this, it is not judged


@dataclass(frozen=True)
class Tolerance:
    error_rate_abs: float  # the error rate may exceed the baseline's by this much
    p95_factor: float  # p95 may be this many times the baseline's ...
    p95_slack: float  # ... plus this many seconds
    min_requests: int  # a unit holds at least twice this many requests at the baseline rate
    significance: float  # how unlikely, within tolerance, a unit's slow requests must be

    def latency_bound(self, base: Baseline, name: str | None = None) -> float | None:
        """L: a successful request slower than this is out of tolerance (None: not judged).
        With a name: that request's own bound, from its own baseline (a request type the
        baseline hardly saw is not judged by the others' latency: a slow checkout among fast
        pages is not a slow page)."""
        p95 = base.p95 if name is None else base.p95_by_name.get(name)
        return None if p95 is None else p95 * self.p95_factor + self.p95_slack

    def error_bound(self, base: Baseline) -> float:
        return base.error_rate + self.error_rate_abs


def baseline(
    records: Sequence[RequestRecord],
    start: float,
    cutoff: float,
    starts: Sequence[float] | None = None,
) -> Baseline:
    """Requests that started at or after `start` and completed before `cutoff`.

    Counting by completion keeps out requests the first fault could have touched (one that
    started before the fault and failed because of it would raise the baseline's error rate
    and so loosen the tolerance). `starts`: the records' start times, when they are sorted by
    it (a slice instead of a scan).
    """
    if starts is not None:
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_left(starts, cutoff)
        window = [r for r in records[lo:hi] if r.end < cutoff]
    else:
        window = [r for r in records if r.t >= start and r.end < cutoff]
    span = cutoff - start
    names: dict[str, list[float]] = {}
    for r in window:
        if not r.failed:
            names.setdefault(r.name, []).append(r.duration)
    for durations in names.values():
        durations.sort()
    ok = merged_sorted(names.values())  # each name's sorted once, merged
    failed = len(window) - len(ok)
    by_name = {}
    for name, durations in names.items():
        if len(durations) >= MIN_PER_NAME:
            by_name[name] = percentile_sorted(durations, 95) or 0.0
        elif len(durations) >= MIN_FOR_MAX:
            by_name[name] = durations[-1]
    return Baseline(
        start=start,
        end=cutoff,
        rps=len(window) / span if span > 0 else 0.0,
        error_rate=failed / len(window) if window else 0.0,
        p50=percentile_sorted(ok, 50),
        p95=percentile_sorted(ok, 95),
        p99=percentile_sorted(ok, 99),
        requests=len(window),
        successes=len(ok),
        users=len({r.user for r in window}),
        p95_by_name=by_name,
    )

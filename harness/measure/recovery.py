"""What one fault did to customers: detection, recovery, errors, users, availability, latency.

Pure functions over the per-request timeline; the definitions are in docs/metrics.md.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from harness.measure.baseline import Baseline, Tolerance, within
from harness.measure.stats import percentile_sorted
from harness.measure.timeline import BackendEvent, FaultWindow, ProbeSample, RequestRecord


@dataclass(frozen=True)
class FaultMetrics:
    time_to_detect: float | None
    time_to_recover: float | None
    recovery_reference: float | None
    impact_start: float
    impact_end: float
    errors: int
    errors_by_request: dict[str, int]
    users_affected: int
    users_active: int
    availability: float | None
    p95_during: float | None
    p95_inflation: float | None
    delivered_ratio: float | None
    lb_down_after: float | None
    lb_up_after: float | None
    probe_fail_after: float | None
    probe_ok_after: float | None

    @property
    def users_affected_share(self) -> float | None:
        return self.users_affected / self.users_active if self.users_active else None


def time_to_detect(
    records: Sequence[RequestRecord], t_inject: float, latency_slo: float | None = None
) -> float | None:
    """t_inject -> the first failed (or slower than `latency_slo`) response the client saw."""
    first: float | None = None
    for r in records:
        end = r.end
        if end < t_inject or (first is not None and end >= first):
            continue
        if r.failed or (latency_slo is not None and r.duration > latency_slo):
            first = end
    return None if first is None else first - t_inject


def time_to_recover(
    records: Sequence[RequestRecord],
    reference: float,
    base: Baseline,
    tol: Tolerance,
    *,
    window: float = 1.0,
    end: float | None = None,
) -> float | None:
    """Seconds from `reference` to the start s of the first window [s, s+W) whose error rate
    and p95 are within tolerance of the baseline. Candidate starts: the reference and every
    request start after it. None if no complete window before `end` qualifies.

    `records` must be sorted by start time. Two pointers and a sorted list of the window's
    durations: O(n log n) plus the window size per step.
    """
    if not records:
        return None
    stop = end if end is not None else records[-1].t
    starts = [r.t for r in records]
    i = bisect.bisect_left(starts, reference)
    candidates = [reference] + [t for t in starts[i:] if t > reference]
    lo = hi = i  # records[lo:hi] are in the current window
    durations: list[float] = []
    failures = 0
    for s in candidates:
        if s + window > stop:
            return None
        while lo < len(records) and records[lo].t < s:
            if lo < hi:
                failures -= records[lo].failed
                del durations[bisect.bisect_left(durations, records[lo].duration)]
            lo += 1
        hi = max(hi, lo)
        while hi < len(records) and records[hi].t < s + window:
            bisect.insort(durations, records[hi].duration)
            failures += records[hi].failed
            hi += 1
        count = hi - lo
        rate = failures / count if count else None
        if within(base, tol, error_rate=rate, p95=percentile_sorted(durations, 95), requests=count):
            return s - reference
    return None


def measure_fault(
    records: Sequence[RequestRecord],
    fault: FaultWindow,
    base: Baseline,
    tol: Tolerance,
    *,
    window: float = 1.0,
    latency_slo: float | None = None,
    horizon: float = 3.0,
    end: float | None = None,
    backend_events: Sequence[BackendEvent] = (),
    probe: Sequence[ProbeSample] = (),
    lb_server: str | None = None,
) -> FaultMetrics:
    """Every per-fault figure of docs/metrics.md. `records` sorted by start time.

    The impact window opens when apply() was called, so failures while a slow apply() runs (a
    rolling restart) count; time to detect is still measured from t_inject, and a failure seen
    before apply() returned counts as detected at once (0).
    """
    t0 = fault.t_apply_called
    stop = end if end is not None else (records[-1].end if records else t0)
    ref = fault.recovery_reference
    ttr = (
        time_to_recover(records, ref, base, tol, window=window, end=stop)
        if ref is not None
        else None
    )
    impact_end = ref + ttr if (ref is not None and ttr is not None) else stop
    impact_end = max(impact_end, t0)
    failed_users: set[int] = set()
    active_users: set[int] = set()
    by_request: dict[str, int] = {}
    for r in records:  # requests in flight at some moment of the impact window
        if r.end >= t0 and r.t <= impact_end:
            active_users.add(r.user)
            if r.failed:
                by_request[r.name] = by_request.get(r.name, 0) + 1
                failed_users.add(r.user)
    during_end = fault.t_revert if fault.t_revert is not None else max(impact_end, t0 + window)
    during = [r for r in records if t0 <= r.t < during_end]
    d_sorted = sorted(r.duration for r in during)
    p95_during = percentile_sorted(d_sorted, 95)
    ti = fault.t_inject
    delivered = sum(1 for r in records if ti <= r.end < ti + horizon and not r.failed)
    offered = base.rps * horizon
    lb_down, lb_up = lb_detection(backend_events, ti, lb_server, since=t0)
    probe_fail, probe_ok = probe_detection(probe, ti, since=t0)
    first = time_to_detect(records, t0, latency_slo)
    detected = None if first is None else max(0.0, t0 + first - fault.t_inject)
    return FaultMetrics(
        time_to_detect=detected,
        time_to_recover=ttr,
        recovery_reference=ref,
        impact_start=t0,
        impact_end=impact_end,
        errors=sum(by_request.values()),
        errors_by_request=dict(sorted(by_request.items())),
        users_affected=len(failed_users),
        users_active=len(active_users),
        availability=1 - sum(r.failed for r in during) / len(during) if during else None,
        p95_during=p95_during,
        p95_inflation=(p95_during / base.p95 if p95_during is not None and base.p95 else None),
        delivered_ratio=delivered / offered if offered > 0 else None,
        lb_down_after=lb_down,
        lb_up_after=lb_up,
        probe_fail_after=probe_fail,
        probe_ok_after=probe_ok,
    )


def lb_detection(
    events: Sequence[BackendEvent],
    t_inject: float,
    server: str | None,
    *,
    since: float | None = None,
) -> tuple[float | None, float | None]:
    """Seconds from t_inject until the LB took `server` out (not UP), and until it was UP again.

    since: look from here (when apply() was called): a fault whose apply() takes a while (docker
    kill returns only once the engine has seen the container exit, 0.2-0.7 s) can be noticed
    before it returns; that counts as at once (0).
    """
    if server is None:
        return None, None
    start = t_inject if since is None else min(since, t_inject)
    down: float | None = None
    for e in sorted((e for e in events if e.server == server), key=lambda e: e.t):
        if e.t < start:
            continue
        if down is None and e.state != "UP":
            down = e.t
        elif down is not None and e.state == "UP":
            return max(0.0, down - t_inject), e.t - t_inject
    return (max(0.0, down - t_inject) if down is not None else None), None


def probe_detection(
    samples: Sequence[ProbeSample], t_inject: float, *, since: float | None = None
) -> tuple[float | None, float | None]:
    """Seconds from t_inject to the first failed probe, and to the first good one after it
    (looking from `since`, as lb_detection does)."""
    start = t_inject if since is None else min(since, t_inject)
    fail: float | None = None
    for p in samples:
        seen = p.t + p.duration
        if seen < start:
            continue
        if fail is None and p.failed:
            fail = seen
        elif fail is not None and not p.failed:
            return max(0.0, fail - t_inject), seen - t_inject
    return (max(0.0, fail - t_inject) if fail is not None else None), None

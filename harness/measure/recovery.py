"""What one fault did to customers: impact, detection, recovery, errors, users, availability.

Pure functions over the per-request timeline (records sorted by start time); the definitions
are in docs/metrics.md. A fault's span is judged in units (units.py); its impact is every bad
unit from t_apply_called on; it has recovered when the service came back within tolerance and
stayed there to the end of the span.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from harness.measure.baseline import Baseline, Tolerance
from harness.measure.stats import percentile_sorted
from harness.measure.timeline import BackendEvent, FaultWindow, ProbeSample, RequestRecord
from harness.measure.units import Unit, tile

RecoveryKind = Literal["recovered", "no_impact", "never", "cut", "unknown"]


@dataclass(frozen=True)
class FaultMetrics:
    recovery: RecoveryKind
    time_to_detect: float | None
    resolution_detect: float | None
    time_to_recover: float | None
    resolution_recover: float | None
    recovery_reference: float | None
    unit: float  # W_eff
    units: int  # complete units judged in the span
    bad_units: int
    span_end: float
    impact_start: float
    impact_end: float
    impact_spans: tuple[tuple[float, float], ...]  # runs of bad units
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
    shared_with: tuple[str, ...] = ()
    shared_errors: int = 0
    confounded_by: tuple[str, ...] = ()
    failed_ids: frozenset[int] = field(default=frozenset(), repr=False, compare=False)

    @property
    def users_affected_share(self) -> float | None:
        return self.users_affected / self.users_active if self.users_active else None


def span_ends(windows: Sequence[FaultWindow], end: float) -> list[float]:
    """Each fault's span ends where the next fault applied after it was lifted begins.

    Lifted: its revert returned; a self-healing fault without a revert counts as lifted at
    t_inject (the next fault is a new event); a fault kept to the end is never lifted.
    """
    out = []
    for w in windows:
        if w.t_revert is not None:
            lifted = w.t_revert
        elif w.self_healing:
            lifted = w.t_inject
        else:
            lifted = end
        later = [o.t_apply_called for o in windows if o is not w and o.t_apply_called >= lifted]
        out.append(min([end, *later]))
    return out


def measure_fault(
    records: Sequence[RequestRecord],
    starts: Sequence[float],
    fault: FaultWindow,
    span_end: float,
    base: Baseline,
    tol: Tolerance,
    *,
    unit: float,
    trial_end: float,
    latency_slo: float | None = None,
    horizon: float = 3.0,
    backend_events: Sequence[BackendEvent] = (),
    probe: Sequence[ProbeSample] = (),
    lb_server: str | None = None,
    longest: float | None = None,
) -> FaultMetrics:
    """Every per-fault figure of docs/metrics.md for one fault; sharing is added by share().

    longest: the longest request's duration (how long before a moment a request in flight at
    it can have started); computed here when not given."""
    if longest is None:
        longest = max((r.duration for r in records), default=0.0)
    a = fault.t_apply_called
    units = tile(records, starts, a, span_end, unit, base, tol, latency_slo)
    bad = [u for u in units if u.bad]
    ref = fault.recovery_reference
    kind: RecoveryKind
    detect = res_detect = ttr = res_recover = None
    if not units or sum(u.requests for u in units) == 0:
        kind, impact_end = "unknown", a
    elif not bad:
        kind, impact_end, ttr = "no_impact", a, 0.0
    else:
        seen, res_detect = _first_seen(records, bad[0], fault.t_inject)
        detect = max(0.0, seen - fault.t_inject)
        if bad[-1] is units[-1]:  # still out of tolerance when the span ended
            kind = "cut" if span_end < trial_end - 1e-9 else "never"
            impact_end = span_end
        else:
            moment, res_recover = _recovery_moment(records, bad[-1])
            moment = max(moment, seen)  # recovery cannot come before the impact it ends
            kind, impact_end = "recovered", moment
            ttr = max(0.0, moment - ref) if ref is not None else None
    failed_ids: set[int] = set()
    failed_users: set[int] = set()
    active_users: set[int] = set()
    by_request: dict[str, int] = {}
    hi = bisect.bisect_right(starts, impact_end)
    lo = bisect.bisect_left(starts, a - longest)
    if bad:
        for i in range(lo, hi):  # requests in flight at some moment of [a, impact_end]
            r = records[i]
            if r.end >= a:
                active_users.add(r.user)
                if r.failed:
                    by_request[r.name] = by_request.get(r.name, 0) + 1
                    failed_users.add(r.user)
                    failed_ids.add(i)
    during_end = _during_end(fault, impact_end, unit)
    lo, hi = bisect.bisect_left(starts, a), bisect.bisect_left(starts, during_end)
    during = records[lo:hi]
    ok = sorted(r.duration for r in during if not r.failed)
    p95_during = percentile_sorted(ok, 95)
    ti = fault.t_inject
    first = bisect.bisect_left(starts, ti - longest)
    last = bisect.bisect_left(starts, ti + horizon)
    delivered = sum(1 for r in records[first:last] if ti <= r.end < ti + horizon and not r.failed)
    offered = base.rps * horizon
    lb_down, lb_up = lb_detection(backend_events, ti, lb_server, since=a)
    probe_fail, probe_ok = probe_detection(probe, ti, since=a)
    return FaultMetrics(
        recovery=kind,
        time_to_detect=detect,
        resolution_detect=res_detect,
        time_to_recover=ttr,
        resolution_recover=res_recover,
        recovery_reference=ref,
        unit=unit,
        units=len(units),
        bad_units=len(bad),
        span_end=span_end,
        impact_start=a,
        impact_end=impact_end,
        impact_spans=_runs(units),
        errors=len(failed_ids),
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
        failed_ids=frozenset(failed_ids),
    )


def _first_seen(records: Sequence[RequestRecord], u: Unit, t_inject: float) -> tuple[float, float]:
    """When a customer first saw the impact (the first bad request's end), and how precisely:
    the gap to the request before it. A unit bad only for its throughput: its start, ± W."""
    if u.first_bad is None:
        return u.start, u.end - u.start
    r = records[u.first_bad]
    prev = records[u.first_bad - 1].t if u.first_bad > 0 else r.t
    return r.end, max(r.t - prev, 0.0)


def _recovery_moment(records: Sequence[RequestRecord], u: Unit) -> tuple[float, float]:
    """The start of the first request after the last bad request of the last bad unit (and
    the gap between them: the resolution); the unit's end when it was bad only for its
    throughput."""
    if u.last_bad is None:
        return u.end, u.end - u.start
    last = records[u.last_bad]
    if u.last_bad + 1 >= len(records):
        return u.end, u.end - last.t
    moment = min(records[u.last_bad + 1].t, u.end)
    return moment, moment - last.t


def _during_end(fault: FaultWindow, impact_end: float, unit: float) -> float:
    if fault.t_revert is not None:
        return fault.t_revert
    return max(impact_end, fault.t_inject + unit)


def _runs(units: Sequence[Unit]) -> tuple[tuple[float, float], ...]:
    out: list[tuple[float, float]] = []
    for u in units:
        if not u.bad:
            continue
        if out and abs(out[-1][1] - u.start) < 1e-9:
            out[-1] = (out[-1][0], u.end)
        else:
            out.append((u.start, u.end))
    return tuple(out)


@dataclass(frozen=True)
class TrialImpact:
    """Every fault's impact together, each failed request counted once."""

    errors: int
    users_affected: int
    spans: tuple[tuple[float, float], ...]


def share(
    records: Sequence[RequestRecord], faults: Sequence[tuple[str, FaultMetrics]]
) -> tuple[list[FaultMetrics], TrialImpact]:
    """Mark what overlapping faults share, who was confounded, and count the union once."""
    out = []
    for fid, m in faults:
        others = [(oid, o) for oid, o in faults if oid != fid]
        shared: set[int] = set()
        for _, o in others:
            shared |= m.failed_ids & o.failed_ids
        out.append(
            replace(
                m,
                shared_with=tuple(oid for oid, o in others if _overlap(m, o)),
                shared_errors=len(shared),
                confounded_by=tuple(
                    oid
                    for oid, o in others
                    if o.recovery == "cut" and abs(o.span_end - m.impact_start) < 1e-9
                ),
            )
        )
    union: set[int] = set()
    for _, m in faults:
        union |= m.failed_ids
    spans = sorted(s for _, m in faults for s in m.impact_spans)
    merged: list[tuple[float, float]] = []
    for s in spans:
        if merged and s[0] <= merged[-1][1] + 1e-9:
            merged[-1] = (merged[-1][0], max(merged[-1][1], s[1]))
        else:
            merged.append(s)
    users = {records[i].user for i in union}
    return out, TrialImpact(errors=len(union), users_affected=len(users), spans=tuple(merged))


def _overlap(m: FaultMetrics, o: FaultMetrics) -> bool:
    if not m.bad_units or not o.bad_units:
        return False
    return m.impact_start < o.impact_end and o.impact_start < m.impact_end


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

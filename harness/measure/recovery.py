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
from harness.measure.units import Unit, in_flight_at, tile

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
    judged_until: float | None = None  # the end of the stretch its recovery was judged over
    settle: RecoveryKind | None = None  # after the revert of a self-healing fault
    time_to_settle: float | None = None  # t_revert -> back within tolerance (and stayed)
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
    carried = in_flight_at(records, starts, a, longest)
    units = tile(records, starts, a, span_end, unit, base, tol, latency_slo, carried=carried)
    bad = [u for u in units if u.bad]
    ref = fault.recovery_reference
    split = _split_at_revert(fault, units)
    own = _judge(records, units[:split], span_end if split == len(units) else None, trial_end)
    if own.seen is not None:
        own_detect: float | None = max(0.0, own.seen - fault.t_inject)
    else:
        own_detect = None
    ttr = None
    if own.kind == "no_impact":
        ttr = 0.0
    elif own.kind == "recovered" and own.moment is not None and ref is not None:
        ttr = max(0.0, own.moment - ref)
    settle = _judge(records, units[split:], span_end, trial_end) if split < len(units) else None
    impact_end = own.end if own.end is not None else a
    if settle is not None and settle.end is not None:
        impact_end = max(impact_end, settle.end)
    kind = own.kind
    if settle is not None and kind == "unknown":
        kind = settle.kind
    impacted = bad or own.seen is not None
    counts = _Counts.over(records, starts, a, impact_end, longest) if impacted else _Counts()
    during_end = _during_end(fault, impact_end, unit)
    lo, hi = bisect.bisect_left(starts, a), bisect.bisect_left(starts, during_end)
    during = records[lo:hi]
    ok = sorted(r.duration for r in during if not r.failed)
    p95_during = percentile_sorted(ok, 95)
    ti = fault.t_inject
    delivered = _delivered(records, starts, ti, horizon, longest)
    offered = base.rps * horizon
    lb_down, lb_up = lb_detection(backend_events, ti, lb_server, since=a)
    probe_fail, probe_ok = probe_detection(probe, ti, since=a)
    t_rev = fault.t_revert if fault.t_revert is not None else fault.t_revert_called
    return FaultMetrics(
        recovery=kind,
        time_to_detect=own_detect,
        resolution_detect=own.res_seen,
        time_to_recover=ttr,
        resolution_recover=own.res_moment,
        recovery_reference=ref,
        unit=unit,
        units=len(units),
        bad_units=len(bad),
        span_end=span_end,
        impact_start=a,
        impact_end=impact_end,
        impact_spans=_runs(units),
        errors=len(counts.failed_ids),
        errors_by_request=dict(sorted(counts.by_request.items())),
        users_affected=len(counts.failed_users),
        users_active=len(counts.active_users),
        availability=1 - sum(r.failed for r in during) / len(during) if during else None,
        p95_during=p95_during,
        p95_inflation=(p95_during / base.p95 if p95_during is not None and base.p95 else None),
        delivered_ratio=delivered / offered if offered > 0 else None,
        lb_down_after=lb_down,
        lb_up_after=lb_up,
        probe_fail_after=probe_fail,
        probe_ok_after=probe_ok,
        settle=settle.kind if settle is not None else None,
        time_to_settle=(
            max(0.0, settle.moment - t_rev)
            if settle is not None and settle.moment is not None and t_rev is not None
            else (0.0 if settle is not None and settle.kind == "no_impact" else None)
        ),
        judged_until=own.until,
        failed_ids=frozenset(counts.failed_ids),
    )


@dataclass
class _Counts:
    """Failed requests, by name, and users, over the requests in flight in an impact window."""

    failed_ids: set[int] = field(default_factory=set)
    by_request: dict[str, int] = field(default_factory=dict)
    failed_users: set[int] = field(default_factory=set)
    active_users: set[int] = field(default_factory=set)

    @classmethod
    def over(
        cls,
        records: Sequence[RequestRecord],
        starts: Sequence[float],
        a: float,
        end: float,
        longest: float,
    ) -> _Counts:
        out = cls()
        lo, hi = bisect.bisect_left(starts, a - longest), bisect.bisect_right(starts, end)
        for i in range(lo, hi):  # requests in flight at some moment of [a, end]
            r = records[i]
            if r.end >= a:
                out.active_users.add(r.user)
                if r.failed:
                    out.by_request[r.name] = out.by_request.get(r.name, 0) + 1
                    out.failed_users.add(r.user)
                    out.failed_ids.add(i)
        return out


def _delivered(
    records: Sequence[RequestRecord],
    starts: Sequence[float],
    ti: float,
    horizon: float,
    longest: float,
) -> int:
    """Successful responses that ended in [ti, ti + horizon)."""
    first = bisect.bisect_left(starts, ti - longest)
    last = bisect.bisect_left(starts, ti + horizon)
    return sum(1 for r in records[first:last] if ti <= r.end < ti + horizon and not r.failed)


@dataclass(frozen=True)
class _Segment:
    """A stretch of units judged: what kind of recovery, when the impact was first seen and
    when the service was back (and stayed), with their resolutions; `end`: where the impact
    window ends (None: no impact)."""

    kind: RecoveryKind
    seen: float | None = None
    res_seen: float | None = None
    moment: float | None = None
    res_moment: float | None = None
    end: float | None = None
    until: float | None = None  # the end of the stretch judged


def _judge(
    records: Sequence[RequestRecord],
    units: Sequence[Unit],
    span_end: float | None,
    trial_end: float,
) -> _Segment:
    """Judge consecutive units. span_end: where the last unit's stretch ends (None when the
    stretch ends at the fault's revert: still bad there means 'not recovered while in force',
    which is 'never' for the fault itself)."""
    bad = [u for u in units if u.bad]
    until = span_end if span_end is not None else (units[-1].end if units else None)
    if not units or sum(u.requests for u in units) == 0:
        return _Segment("unknown", until=until)
    if not bad:
        return _Segment("no_impact", until=until)
    seen, res_seen = _first_seen(records, bad[0])
    if bad[-1] is units[-1]:  # still out of tolerance when the stretch ended
        cut = span_end is not None and span_end < trial_end - 1e-9
        return _Segment("cut" if cut else "never", seen, res_seen, end=until, until=until)
    moment, res_moment = _recovery_moment(records, bad[-1])
    if seen > moment:  # recovery cannot come before the impact it ends: it came when seen,
        moment, res_moment = seen, res_seen  # and is known as precisely as that
    return _Segment("recovered", seen, res_seen, moment, res_moment, moment, until)


def _split_at_revert(fault: FaultWindow, units: Sequence[Unit]) -> int:
    """For a self-healing fault that was lifted, its own recovery is judged while it was in
    force (the units before the revert was called) and the revert's after-effects apart (a
    restarted replica warming up): the index of the first unit after the revert. No split
    when the fault was never lifted, is not self-healing, or was in force for no whole unit."""
    if not fault.self_healing or fault.t_revert_called is None:
        return len(units)
    split = bisect.bisect_left([u.end for u in units], fault.t_revert_called + 1e-9)
    return split if split > 0 else len(units)


def _first_seen(records: Sequence[RequestRecord], u: Unit) -> tuple[float, float]:
    """When a customer first saw the impact (the first bad request's end), and how precisely:
    the gap to the request before it. A unit bad only for its throughput: its start, ± W."""
    if u.first_bad is None:
        return u.start, u.end - u.start
    return _seen_at(records, u.first_bad)


def _seen_at(records: Sequence[RequestRecord], i: int) -> tuple[float, float]:
    """A failed request's end (when its customer saw it), known to the gap since the request
    before it started."""
    r = records[i]
    prev = records[i - 1].t if i > 0 else r.t
    return r.end, max(r.t - prev, 0.0)


def _recovery_moment(records: Sequence[RequestRecord], u: Unit) -> tuple[float, float]:
    """The start of the first request after the last bad request of the last bad unit, and
    the resolution: the gap between them, or the good request's own duration when longer (it
    may have started before the service was well and been served after); the unit's end when
    it was bad only for its throughput."""
    if u.last_bad is None:
        return u.end, u.end - u.start
    last = records[u.last_bad]
    # the next request the unit judged or a later one: after a request carried in from
    # before the unit, one that started later but ended before the unit is not evidence
    after = (k for k in range(u.last_bad + 1, len(records)) if records[k].end >= u.start)
    nxt = next(after, None)
    if nxt is None:
        return u.end, u.end - last.t
    good = records[nxt]
    moment = min(good.t, u.end)
    return moment, max(moment - last.t, good.duration)


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

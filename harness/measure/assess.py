"""assess(): a trial's observations -> every figure of docs/metrics.md, and the evidence
behind them. Pure: no stack, no clock, no I/O; milliseconds for a typical trial.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from harness.measure import baseline as bl
from harness.measure.buckets import Bucket, bucketize
from harness.measure.evidence import (
    EvidenceProblem,
    EvidenceRules,
    HostSummary,
    problems,
    summarize_host,
)
from harness.measure.observations import FaultObservation, PhaseTimes, TrialObservations
from harness.measure.probe_results import ProbeSummary, summarize
from harness.measure.recovery import FaultMetrics, TrialImpact, measure_fault, share, span_ends
from harness.measure.stats import (
    RequestStats,
    durations_sorted,
    merged_sorted,
    request_stats,
    stats_of_sorted,
)
from harness.measure.timeline import FaultWindow, ProbeSample, RequestRecord
from harness.measure.units import tile, unit_width

BUCKET_WIDTH = 0.5
# what assess() reads of every record in one pass, as C-level getters: at millions of records
# a generator's frame a record is most of a pass's time (docs/performance.md, scale rows)
_START, _DURATION, _NAME = attrgetter("t"), attrgetter("duration"), attrgetter("name")


@dataclass(frozen=True)
class AssessSettings:
    """The scenario's measurement settings (built from the schema, where the defaults live)."""

    tolerance: bl.Tolerance
    window: float  # W: the narrowest unit
    latency_slo: float | None
    horizon: float
    evidence: EvidenceRules


@dataclass(frozen=True)
class TrialMetrics:
    end: float  # the end of what was measured (absolute)
    baseline: bl.Baseline | None
    unit: float | None  # W_eff
    widened: str | None  # why the units are wider than W, if they are
    overall: RequestStats | None
    by_request: tuple[RequestStats, ...]
    buckets: tuple[Bucket, ...]
    faults: tuple[FaultMetrics | None, ...]  # one per observed fault; None: not in force
    details: tuple[Mapping[str, float | int | str], ...]  # per fault: its own + RTO/RPO
    impact: TrialImpact
    probe: RequestStats | None
    probes: tuple[ProbeSummary, ...]  # every probe, per phase it runs in
    host: HostSummary
    evidence: tuple[EvidenceProblem, ...]


def assess(settings: AssessSettings, obs: TrialObservations) -> TrialMetrics:
    records = obs.requests
    end = obs.end
    host = summarize_host(obs.host, obs.lags, obs.phases.warmup_end if obs.phases else 0, end)
    if obs.phases is None:
        evidence = problems(None, 0, host, settings.evidence, interrupted=obs.interrupted)
        return TrialMetrics(
            end=end,
            baseline=None,
            unit=None,
            widened=None,
            overall=None,
            by_request=(),
            buckets=(),
            faults=tuple(None for _ in obs.faults),
            details=tuple(dict(f.details) for f in obs.faults),
            impact=TrialImpact(0, 0, ()),
            probe=None,
            probes=(),
            host=host,
            evidence=tuple(evidence),
        )
    p = obs.phases
    windows = [f.window() for f in obs.faults]
    applied = [w for w in windows if w is not None]
    cutoff = min([p.baseline_end, *(w.t_apply_called for w in applied)])
    starts = list(map(_START, records))  # records are sorted by start (one C-level pass)
    base = bl.baseline(records, p.warmup_end, cutoff, starts)
    tol = settings.tolerance
    unit = unit_width(settings.window, tol, base)
    widened = None
    if unit > settings.window + 1e-9:
        widened = (
            f"units widened from {settings.window:g} s to {unit:.2f} s: at "
            f"{base.rps:.1f} req/s a {settings.window:g} s window holds fewer than "
            f"{2 * tol.min_requests} requests"
        )
    fault_metrics = _faults(settings, obs, starts, windows, base, unit, end)
    pairs = [(f.meta.id, m) for f, m in zip(obs.faults, fault_metrics, strict=True) if m]
    shared, impact = share(records, pairs)
    by_id = dict(zip([fid for fid, _ in pairs], shared, strict=True))
    final = tuple(
        by_id.get(f.meta.id) if m else None for f, m in zip(obs.faults, fault_metrics, strict=True)
    )
    after = records[bisect.bisect_left(starts, p.baseline_end) : bisect.bisect_left(starts, end)]
    span = end - p.baseline_end
    overall, by_request = _request_stats(records, after, span)
    steady = tile(records, starts, p.warmup_end, cutoff, unit, base, tol)
    evidence = problems(
        base,
        len(records),
        host,
        settings.evidence,
        interrupted=obs.interrupted,
        unsteady=(sum(u.bad for u in steady), len(steady)),
    )
    return TrialMetrics(
        end=end,
        baseline=base,
        unit=unit,
        widened=widened,
        overall=overall,
        by_request=by_request,
        buckets=tuple(
            bucketize(records, p.t0, _whole_buckets(p.t0, starts, end), BUCKET_WIDTH, starts)
        ),
        faults=final,
        details=tuple(_details(f, records) for f in obs.faults),
        impact=impact,
        probe=_probe_stats(obs.probe, p.baseline_end, end),
        probes=tuple(summarize(pr, phase_bounds(p, end)) for pr in obs.probes),
        host=host,
        evidence=tuple(evidence),
    )


def _request_stats(
    records: tuple[RequestRecord, ...], after: Sequence[RequestRecord], span: float
) -> tuple[RequestStats, tuple[RequestStats, ...]]:
    """All requests, and per request name (every name the trial saw, even if only before):
    each name's latencies sorted once, the whole trial's merged from them."""
    groups: dict[str, list[RequestRecord]] = {n: [] for n in set(map(_NAME, records))}
    for r in after:
        groups[r.name].append(r)
    sorted_ = {name: durations_sorted(groups[name]) for name in sorted(groups)}
    by_name = tuple(stats_of_sorted(n, ok, bad, span) for n, (ok, bad) in sorted_.items())
    ok = merged_sorted(ok for ok, _ in sorted_.values())
    bad = merged_sorted(bad for _, bad in sorted_.values())
    return stats_of_sorted("all", ok, bad, span), by_name


def _faults(
    settings: AssessSettings,
    obs: TrialObservations,
    starts: list[float],
    windows: list[FaultWindow | None],
    base: bl.Baseline,
    unit: float,
    end: float,
) -> list[FaultMetrics | None]:
    records = obs.requests
    applied = [w for w in windows if w is not None]
    end = complete_until(end, base)
    ends = dict(zip([id(w) for w in applied], span_ends(applied, end), strict=True))
    longest = max(map(_DURATION, records), default=0.0)
    out: list[FaultMetrics | None] = []
    for f, w in zip(obs.faults, windows, strict=True):
        if w is None:
            out.append(None)
            continue
        out.append(
            measure_fault(
                records,
                starts,
                w,
                ends[id(w)],
                base,
                settings.tolerance,
                unit=unit,
                trial_end=end,
                latency_slo=settings.latency_slo,
                horizon=settings.horizon,
                backend_events=obs.backend_events,
                probe=obs.probe,
                lb_server=f.meta.lb_server,
                longest=longest,
            )
        )
    return out


def complete_until(end: float, base: bl.Baseline) -> float:
    """Where the record of requests is complete: a request is recorded when it ends, and the
    load stops at the trial's end, so a request that started less than its own duration
    before it is missing. The units after that moment are not judged: on a stack at 1 s a
    request the last second held 2 of its 30 requests, read as a throughput collapse, and
    the last fault 'never' settled (ground-truth stack `retry`, 2026-12-01); a latency fault
    lasting to the end would lose its slow requests first and look milder. The baseline's
    p99 of successful requests is how long a request takes."""
    return end - (base.p99 or 0.0)


def _whole_buckets(t0: float, starts: Sequence[float], end: float) -> float:
    """The end of the last complete bucket (a partial one would read as a drop in traffic);
    `starts`: the records' start times, sorted."""
    last = min(end, starts[-1] if starts else t0)
    return t0 + math.floor((last - t0) / BUCKET_WIDTH) * BUCKET_WIDTH


def phase_bounds(p: PhaseTimes, end: float) -> tuple[tuple[str, float, float], ...]:
    """The measured phases on the trial's clock (what a probe sample is judged in)."""
    return (
        ("baseline", p.warmup_end, p.baseline_end),
        ("faults", p.baseline_end, p.faults_end),
        ("observe", p.faults_end, end),
    )


def _probe_stats(samples: tuple[ProbeSample, ...], start: float, end: float) -> RequestStats | None:
    window = [s for s in samples if start <= s.t < end]
    return request_stats("probe", window, end - start) if window else None


def _details(
    f: FaultObservation, records: tuple[RequestRecord, ...]
) -> dict[str, float | int | str]:
    """What a fault reports about itself; for the DR drill also its RTO and RPO in seconds
    (docs/metrics.md). RPO in orders needs reconciliation: the record adds it."""
    out: dict[str, float | int | str] = dict(f.details)
    destroyed, snapshot = out.get("destroyed_at"), out.get("backup_snapshot_at")
    gone = out.get("gone_at", destroyed)
    if isinstance(destroyed, float) and isinstance(gone, float):
        request = str(f.meta.spec.get("recovered_when", ""))
        ok = [r.end for r in records if r.name == request and r.t >= gone and not r.failed]
        if ok:
            out["rto"] = min(ok) - destroyed
        if isinstance(snapshot, float):
            out["rpo_seconds"] = destroyed - snapshot
    return out

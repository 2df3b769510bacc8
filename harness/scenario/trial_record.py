"""A trial's observations and figures -> its record (times relative to t0), before judge()
gives it checks and a status. Pure apart from write_timeline_csv."""

from __future__ import annotations

import csv
import dataclasses
import gzip
from pathlib import Path
from typing import Any

from harness.measure.assess import BUCKET_WIDTH, AssessSettings, TrialMetrics
from harness.measure.observations import FaultObservation, TrialObservations
from harness.measure.probe_results import ProbeObservation, ProbeSummary
from harness.measure.recovery import FaultMetrics
from harness.measure.stats import RequestStats
from harness.record import model as rec


def to_record(
    index: int,
    obs: TrialObservations,
    metrics: TrialMetrics,
    settings: AssessSettings,
    stack: dict[str, Any],
    reconciliation: rec.Reconciliation | None,
) -> rec.TrialRecord:
    """Everything but the verdict: `status` stays undecided (inconclusive) until judge()."""
    p = obs.phases
    t0 = p.t0 if p else obs.started_at

    def rel(t: float | None) -> float | None:
        return None if t is None else t - t0

    base = metrics.baseline
    tol = settings.tolerance
    return rec.TrialRecord(
        index=index,
        seed=obs.seed,
        status=rec.Status.INCONCLUSIVE,
        started_at=obs.started_at,
        finished_at=obs.finished_at,
        t0=t0,
        stack=stack,
        interrupted=obs.interrupted,
        evidence=[rec.Evidence(**dataclasses.asdict(e)) for e in metrics.evidence],
        host=rec.Host(**dataclasses.asdict(metrics.host)),
        tolerance=rec.Tolerance(
            error_rate_abs=tol.error_rate_abs,
            p95_factor=tol.p95_factor,
            p95_slack=tol.p95_slack,
            min_requests=tol.min_requests,
            significance=tol.significance,
            window=settings.window,
            unit=metrics.unit,
            widened=metrics.widened,
            latency_bound=tol.latency_bound(base) if base else None,
        ),
        impact=rec.Impact(
            errors=metrics.impact.errors,
            users_affected=metrics.impact.users_affected,
            spans=[(a - t0, b - t0) for a, b in metrics.impact.spans],
        ),
        phases=rec.Phases(
            warmup_end=p.warmup_end - t0,
            baseline_end=p.baseline_end - t0,
            faults_end=p.faults_end - t0,
            end=metrics.end - t0,
        )
        if p
        else None,
        baseline=rec.Baseline(
            **{**dataclasses.asdict(base), "start": base.start - t0, "end": base.end - t0}
        )
        if base
        else None,
        overall=_stats(metrics.overall),
        by_request=[s for s in map(_stats, metrics.by_request) if s is not None],
        faults=[
            _fault(f, m, d, t0, reconciliation)
            for f, m, d in zip(obs.faults, metrics.faults, metrics.details, strict=True)
        ],
        bucket_width=BUCKET_WIDTH,
        buckets=[
            rec.Bucket(
                t=b.t - t0,
                requests=b.requests,
                failures=b.failures,
                rps=b.rps,
                error_rate=b.error_rate,
                p50=b.p50,
                p95=b.p95,
                p99=b.p99,
            )
            for b in metrics.buckets
        ],
        backend_events=[
            rec.BackendChange(t=e.t - t0, server=e.server, state=e.state, previous=e.previous)
            for e in obs.backend_events
        ],
        probe=_stats(metrics.probe),
        probes=[_probe(o, m, t0) for o, m in zip(obs.probes, metrics.probes, strict=False)],
        abort=rec.Abort(t=obs.abort[0] - t0, reason=obs.abort[1]) if obs.abort else None,
        rollbacks=[
            rec.Rollback(fault=r.fault, t=r.t - t0, ok=r.ok, error=r.error) for r in obs.rollbacks
        ],
        errors=list(obs.errors),
        ledger=_ledger_counts(obs),
        reconciliation=reconciliation,
    )


def _stats(s: RequestStats | None) -> rec.Stats | None:
    return None if s is None else rec.Stats(**dataclasses.asdict(s))


MARK_SPACING = 0.5  # passing samples kept for the timeline: at most one per this (s)


def _probe(o: ProbeObservation, m: ProbeSummary, t0: float) -> rec.ProbeRecord:
    """A probe for the record: its summary per phase, and its samples for the timeline (every
    failure; passes thinned to one per MARK_SPACING for fast probes such as the health probe)."""
    meta = o.meta
    marks: list[rec.ProbeMark] = []
    last_pass = float("-inf")
    thinned = 0
    for s in o.samples:
        if s.ok and s.t - last_pass < MARK_SPACING:
            thinned += 1
            continue
        if s.ok:
            last_pass = s.t
        marks.append(
            rec.ProbeMark(
                t=s.t - t0,
                duration=s.duration,
                ok=s.ok,
                status=s.status,
                value=s.value,
                error=s.error[:300] if s.error else None,
            )
        )
    return rec.ProbeRecord(
        id=meta.id,
        type=meta.type,
        target=meta.target,
        description=meta.description,
        judged=meta.judged,
        timed=meta.timed,
        every=meta.every,
        phases=list(meta.phases),
        min_samples=meta.min_samples,
        min_success=meta.min_success,
        by_phase=[
            rec.ProbePhase(
                phase=ph.phase,
                span=ph.span,
                samples=ph.samples,
                passed=ph.passed,
                p50=ph.p50,
                p95=ph.p95,
                first_failure=None if ph.first_failure is None else ph.first_failure - t0,
                first_error=ph.first_error[:300] if ph.first_error else None,
            )
            for ph in m.phases
        ],
        samples=marks,
        thinned=thinned,
    )


def _ledger_counts(obs: TrialObservations) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in obs.ledger:
        out[e.event] = out.get(e.event, 0) + 1
    return out


def _fault(
    f: FaultObservation,
    m: FaultMetrics | None,
    details: Any,
    t0: float,
    reconciliation: rec.Reconciliation | None,
) -> rec.FaultRecord:
    def rel(t: float | None) -> float | None:
        return None if t is None else t - t0

    meta = f.meta
    out: dict[str, float | int | str] = {
        k: (v - t0 if k.endswith("_at") and isinstance(v, float) else v)
        for k, v in dict(details).items()
    }
    if "destroyed_at" in out and reconciliation is not None and reconciliation.error is None:
        out["rpo_orders"] = reconciliation.counts.get("lost_orders", 0)
    return rec.FaultRecord(
        id=meta.id,
        kind=meta.kind,
        family=meta.family,
        target=meta.target,
        description=meta.description,
        self_healing=meta.self_healing,
        lb_servers=list(meta.lb_servers),
        spec=dict(meta.spec),
        t_apply_called=rel(f.t_apply_called),
        t_inject=rel(f.t_inject),
        t_revert_called=rel(f.t_revert_called),
        t_revert=rel(f.t_revert),
        apply_error=f.apply_error,
        revert_error=f.revert_error,
        metrics=_fault_metrics(m, t0) if m is not None else rec.FaultMetrics(),
        details=out,
    )


def _fault_metrics(m: FaultMetrics, t0: float) -> rec.FaultMetrics:
    raw = dataclasses.asdict(m)
    raw.pop("failed_ids")
    raw.update(
        recovery_reference=None if m.recovery_reference is None else m.recovery_reference - t0,
        span_end=m.span_end - t0,
        judged_until=None if m.judged_until is None else m.judged_until - t0,
        impact_start=m.impact_start - t0,
        impact_end=m.impact_end - t0,
        impact_spans=[(a - t0, b - t0) for a, b in m.impact_spans],
        shared_with=list(m.shared_with),
        confounded_by=list(m.confounded_by),
        users_affected_share=m.users_affected_share,
    )
    return rec.FaultMetrics(**raw)


def write_timeline_csv(obs: TrialObservations, path: Path) -> Path:
    """Every request of the trial, for people who want their own analysis (gzip CSV)."""
    t0 = obs.phases.t0 if obs.phases else obs.started_at
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["t", "t_abs", "duration_ms", "name", "status", "failed", "error", "user"])
        for r in obs.requests:
            w.writerow(
                [
                    f"{r.t - t0:.6f}",
                    f"{r.t:.6f}",
                    f"{r.duration * 1000:.3f}",
                    r.name,
                    r.status,
                    int(r.failed),
                    r.error or "",
                    r.user,
                ]
            )
    return path

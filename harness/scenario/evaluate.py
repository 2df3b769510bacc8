"""Turn one trial's raw timeline into its record: baseline, per-fault metrics, buckets, checks.

Pure apart from writing the per-request CSV (done by the caller through write_timeline_csv).
"""

from __future__ import annotations

import csv
import dataclasses
import gzip
import math
from collections import Counter
from pathlib import Path

from harness.measure import baseline as bl
from harness.measure.buckets import bucketize
from harness.measure.recovery import measure_fault
from harness.measure.stats import percentile_sorted
from harness.measure.timeline import FaultWindow, RequestRecord
from harness.record import model as rec
from harness.scenario.expectations import check_trial
from harness.scenario.safety import Window
from harness.scenario.schema import Scenario
from harness.scenario.trial import TrialData

BUCKET_WIDTH = 0.5


def evaluate(
    scenario: Scenario,
    data: TrialData,
    index: int,
    stack: dict[str, object],
    reconciliation: rec.Reconciliation | None = None,
) -> rec.TrialRecord:
    p = data.phases
    if p is None:  # the load never started
        return rec.TrialRecord(
            index=index,
            seed=data.seed,
            status=rec.Status.ERROR,
            started_at=data.started_at,
            finished_at=data.finished_at,
            t0=data.started_at,
            stack=stack,
            errors=data.errors,
        )
    t0 = p.t0
    records = sorted(data.requests, key=lambda r: r.t)
    end = data.abort[0] if data.abort else p.end
    base = bl.baseline(records, p.warmup_end, p.baseline_end)
    tol = bl.Tolerance(
        error_rate_abs=scenario.recovery.error_rate_tolerance,
        p95_factor=scenario.recovery.p95_factor,
        p95_slack=scenario.recovery.p95_slack,
        min_requests=scenario.recovery.min_requests,
    )
    faults = [
        _fault_record(scenario, i, w, records, base, tol, end, data, reconciliation)
        for i, w in enumerate(data.windows)
    ]
    after = [r for r in records if p.baseline_end <= r.t < end]
    trial = rec.TrialRecord(
        index=index,
        seed=data.seed,
        status=rec.Status.PASSED,
        started_at=data.started_at,
        finished_at=data.finished_at,
        t0=t0,
        stack=stack,
        phases=rec.Phases(
            warmup_end=p.warmup_end - t0,
            baseline_end=p.baseline_end - t0,
            faults_end=p.faults_end - t0,
            end=end - t0,
        ),
        baseline=rec.Baseline(
            **{**dataclasses.asdict(base), "start": base.start - t0, "end": base.end - t0}
        ),
        overall=stats("all", after, end - p.baseline_end),
        by_request=[
            stats(name, [r for r in after if r.name == name], end - p.baseline_end)
            for name in sorted({r.name for r in records})
        ],
        faults=faults,
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
            for b in bucketize(records, t0, _whole_buckets(t0, records, end), BUCKET_WIDTH)
        ],
        backend_events=[
            rec.BackendChange(t=e.t - t0, server=e.server, state=e.state, previous=e.previous)
            for e in data.backend_events
        ],
        probe=_probe_stats(data, p.baseline_end, end),
        abort=rec.Abort(t=data.abort[0] - t0, reason=data.abort[1]) if data.abort else None,
        rollbacks=[
            rec.Rollback(fault=r.fault, t=r.t - t0, ok=r.ok, error=r.error) for r in data.rollbacks
        ],
        errors=list(data.errors),
        ledger=dict(Counter(e.event for e in data.ledger)),
        reconciliation=reconciliation,
    )
    checks = check_trial(scenario, trial)
    status = rec.Status.PASSED
    if any(c.verdict == "fail" for c in checks):
        status = rec.Status.FAILED
    if data.abort:
        status = rec.Status.ABORTED
    if data.errors or any(not r.ok for r in data.rollbacks) or any(f.apply_error for f in faults):
        status = rec.Status.ERROR
    return trial.model_copy(update={"checks": checks, "status": status})


def _whole_buckets(t0: float, records: list[RequestRecord], end: float) -> float:
    """The end of the last complete bucket (a partial one would read as a drop in traffic)."""
    last = min(end, max((r.t for r in records), default=t0))
    return t0 + math.floor((last - t0) / BUCKET_WIDTH) * BUCKET_WIDTH


def stats(name: str, records: list[RequestRecord], span: float) -> rec.Stats:
    d = sorted(r.duration for r in records)
    failures = sum(r.failed for r in records)
    return rec.Stats(
        name=name,
        requests=len(records),
        failures=failures,
        error_rate=failures / len(records) if records else None,
        rps=len(records) / span if span > 0 else None,
        p50=percentile_sorted(d, 50),
        p95=percentile_sorted(d, 95),
        p99=percentile_sorted(d, 99),
    )


def _fault_record(
    scenario: Scenario,
    i: int,
    w: Window,
    records: list[RequestRecord],
    base: bl.Baseline,
    tol: bl.Tolerance,
    end: float,
    data: TrialData,
    reconciliation: rec.Reconciliation | None = None,
) -> rec.FaultRecord:
    p = data.phases
    assert p is not None
    t0 = p.t0
    spec = scenario.faults[i]
    fault = w.fault

    def rel(t: float | None) -> float | None:
        return None if t is None else t - t0

    base_rec = rec.FaultRecord(
        id=fault.id,
        kind=fault.kind,
        target=fault.target,
        description=spec.description,
        self_healing=fault.self_healing,
        spec=spec.model_dump(mode="json", by_alias=True, exclude_none=True),
        t_apply_called=rel(w.t_apply_called),
        t_inject=rel(w.t_inject),
        t_revert_called=rel(w.t_revert_called),
        t_revert=rel(w.t_revert),
        apply_error=w.apply_error,
        revert_error=w.revert_error,
        details=_details(w, spec, records, t0, reconciliation),
    )
    if w.t_inject is None or w.t_apply_called is None or w.apply_error:
        return base_rec
    window = FaultWindow(
        fault_id=fault.id,
        kind=fault.kind,
        target=fault.target,
        t_apply_called=w.t_apply_called,
        t_inject=w.t_inject,
        t_revert_called=w.t_revert_called,
        t_revert=w.t_revert,
        self_healing=fault.self_healing,
    )
    lb_server = _lb_server(fault.target, data)
    m = measure_fault(
        records,
        window,
        base,
        tol,
        window=scenario.recovery.window,
        latency_slo=scenario.recovery.latency_slo,
        horizon=scenario.recovery.horizon,
        end=end,
        backend_events=data.backend_events,
        probe=data.probe,
        lb_server=lb_server,
    )
    metrics = dataclasses.asdict(m)
    metrics.update(
        recovery_reference=rel(m.recovery_reference),
        impact_start=m.impact_start - t0,
        impact_end=m.impact_end - t0,
        users_affected_share=m.users_affected_share,
    )
    return base_rec.model_copy(update={"metrics": rec.FaultMetrics(**metrics)})


def _details(
    w: Window,
    spec: object,
    records: list[RequestRecord],
    t0: float,
    reconciliation: rec.Reconciliation | None,
) -> dict[str, float | int | str]:
    """What a fault reports about itself (times made relative), and for the DR drill its RTO
    and RPO (docs/metrics.md)."""
    report = getattr(w.fault, "details", None)
    raw: dict[str, float | int | str] = report() if callable(report) else {}
    out = {k: (v - t0 if k.endswith("_at") and isinstance(v, float) else v) for k, v in raw.items()}
    destroyed, snapshot = raw.get("destroyed_at"), raw.get("backup_snapshot_at")
    gone = raw.get("gone_at", destroyed)
    if isinstance(destroyed, float) and isinstance(gone, float):
        # the first success of a request sent after the database was really gone
        request = str(getattr(spec, "recovered_when", ""))
        ok = [r.end for r in records if r.name == request and r.t >= gone and not r.failed]
        if ok:
            out["rto"] = min(ok) - destroyed
        if isinstance(snapshot, float):
            out["rpo_seconds"] = destroyed - snapshot
        if reconciliation is not None and reconciliation.error is None:
            out["rpo_orders"] = reconciliation.counts.get("lost_orders", 0)
    return out


def _lb_server(target: str, data: TrialData) -> str | None:
    """The LB server a fault hit, when it hit exactly one instance behind the LB."""
    servers = {e.server for e in data.backend_events}
    names = [t.strip() for t in target.split(",")]
    hits = [n for n in names if n in servers]
    return hits[0] if len(hits) == 1 else None


def _probe_stats(data: TrialData, start: float, end: float) -> rec.Stats | None:
    samples = [s for s in data.probe if start <= s.t < end]
    if not samples:
        return None
    d = sorted(s.duration for s in samples)
    failures = sum(s.failed for s in samples)
    return rec.Stats(
        name="probe",
        requests=len(samples),
        failures=failures,
        error_rate=failures / len(samples),
        rps=len(samples) / (end - start) if end > start else None,
        p50=percentile_sorted(d, 50),
        p95=percentile_sorted(d, 95),
        p99=percentile_sorted(d, 99),
    )


def write_timeline_csv(data: TrialData, path: Path) -> Path:
    """Every request of the trial, for people who want their own analysis (gzip CSV)."""
    t0 = data.phases.t0 if data.phases else data.started_at
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["t", "t_abs", "duration_ms", "name", "status", "failed", "error", "user"])
        for r in sorted(data.requests, key=lambda r: r.t):
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

"""The run record: one JSON document per run that every report renders (and nothing else).

Times inside a trial are seconds relative to the trial's t0 (when the load started), so a
record reads well; t0 itself is kept as an absolute epoch time. Bump SCHEMA_VERSION on any
incompatible change; readers refuse other versions with a clear message (record/io.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 2


class Status(StrEnum):
    PASSED = "passed"
    INCONCLUSIVE = "inconclusive"  # too little evidence for a verdict (docs/metrics.md)
    FAILED = "failed"  # an expectation did not hold
    ABORTED = "aborted"  # an abort condition fired
    ERROR = "error"  # the harness could not run it
    INTERRUPTED = "interrupted"  # Ctrl-C / SIGTERM

    @staticmethod
    def worst(statuses: list[Status]) -> Status:
        order = [
            Status.PASSED,
            Status.INCONCLUSIVE,
            Status.FAILED,
            Status.ABORTED,
            Status.ERROR,
            Status.INTERRUPTED,
        ]
        return max(statuses, key=order.index, default=Status.PASSED)


class _Rec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stats(_Rec):
    """Requests in some span: counts, rates, latency percentiles of successful ones (s)."""

    name: str = "all"
    requests: int
    failures: int
    error_rate: float | None
    rps: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None
    p95_failed: float | None = None  # of failed requests: how long customers waited to learn


class Bucket(_Rec):
    t: float
    requests: int
    failures: int
    rps: float
    error_rate: float | None
    p50: float | None
    p95: float | None
    p99: float | None


class Baseline(_Rec):
    start: float
    end: float
    rps: float
    error_rate: float
    p50: float | None
    p95: float | None
    p99: float | None
    requests: int
    successes: int
    users: int
    p95_by_name: dict[str, float] = Field(default_factory=dict)  # each request's own p95


RecoveryKind = Literal["recovered", "no_impact", "never", "cut", "unknown"]


class FaultMetrics(_Rec):
    """Times are seconds relative to the trial's t0, except the *_after and time_to_* figures,
    which are durations (docs/metrics.md)."""

    recovery: RecoveryKind = "unknown"
    time_to_detect: float | None = None
    resolution_detect: float | None = None  # the truth lies within [value - this, value]
    time_to_recover: float | None = None
    resolution_recover: float | None = None
    recovery_reference: float | None = None  # t_inject (self-healing) or t_revert
    unit: float | None = None  # W_eff: the width of the units the span was judged in
    units: int = 0
    bad_units: int = 0
    span_end: float | None = None
    impact_start: float | None = None
    impact_end: float | None = None
    impact_spans: list[tuple[float, float]] = Field(default_factory=list)
    errors: int = 0
    errors_by_request: dict[str, int] = Field(default_factory=dict)
    users_affected: int = 0
    users_active: int = 0
    users_affected_share: float | None = None
    availability: float | None = None
    p95_during: float | None = None
    p95_inflation: float | None = None
    delivered_ratio: float | None = None
    lb_down_after: float | None = None  # LB marked the target down, seconds after t_inject
    lb_up_after: float | None = None
    probe_fail_after: float | None = None
    probe_ok_after: float | None = None
    judged_until: float | None = None  # its recovery was judged up to here (t0-relative)
    settle: RecoveryKind | None = None  # after a self-healing fault was lifted
    time_to_settle: float | None = None  # t_revert -> back within tolerance and stayed
    shared_with: list[str] = Field(default_factory=list)  # faults whose impact overlaps
    shared_errors: int = 0  # errors also inside another fault's impact window
    confounded_by: list[str] = Field(default_factory=list)  # began in their unrecovered impact


class FaultRecord(_Rec):
    id: str
    kind: str
    family: str = ""
    target: str
    description: str = ""
    self_healing: bool
    lb_servers: list[str] = Field(default_factory=list)
    spec: dict[str, Any]
    t_apply_called: float | None = None
    t_inject: float | None = None
    t_revert_called: float | None = None
    t_revert: float | None = None
    apply_error: str | None = None
    revert_error: str | None = None
    metrics: FaultMetrics = FaultMetrics()
    details: dict[str, float | int | str] = Field(default_factory=dict)  # fault-specific


class BackendChange(_Rec):
    t: float
    server: str
    state: str
    previous: str | None = None


class Check(_Rec):
    """One expectation checked: what was expected, what was observed, and the verdict."""

    name: str  # e.g. "max_time_to_recover"
    scope: str  # "run", "fault:kill", "request:POST /checkout"
    expected: str  # e.g. "<= 3s"
    observed: str  # e.g. "1.24 s ± 3 ms", "never recovered"
    verdict: Literal["pass", "fail", "inconclusive"]
    reason: str | None = None  # why inconclusive
    limit: float | None = None
    value: float | None = None


class ProbePhase(_Rec):
    """A probe in one phase: samples, passes, latency of passes, its first failure."""

    phase: str
    span: float
    samples: int
    passed: int
    p50: float | None = None
    p95: float | None = None
    first_failure: float | None = None  # relative to t0
    first_error: str | None = None


class ProbeMark(_Rec):
    """One sample, for the report's timeline (relative to t0)."""

    t: float
    duration: float
    ok: bool
    status: int = 0
    value: str | None = None
    error: str | None = None


class ProbeRecord(_Rec):
    """A probe of the trial (a scenario's, or the built-in health probe, which is not judged)."""

    id: str
    type: str
    target: str
    description: str = ""
    judged: bool = True
    timed: bool = False
    every: float
    phases: list[str]
    min_samples: int
    min_success: float
    by_phase: list[ProbePhase] = Field(default_factory=list)
    samples: list[ProbeMark] = Field(default_factory=list)
    thinned: int = 0  # passing samples left out of `samples` (the 50 ms health probe)


class Abort(_Rec):
    t: float
    reason: str


class Rollback(_Rec):
    fault: str
    t: float
    ok: bool
    error: str | None = None


class Evidence(_Rec):
    """Why some checks cannot be judged (docs/metrics.md, "Evidence before a verdict")."""

    code: Literal[
        "no_requests",
        "thin_baseline",
        "unhealthy_baseline",
        "unsteady_baseline",
        "saturated",
        "interrupted",
    ]
    message: str
    affects: Literal["all", "baseline", "timing"]


class Host(_Rec):
    """The machine during the measured phases: could it measure faithfully?"""

    samples: int = 0
    cpu_busy_mean: float | None = None
    steal_mean: float | None = None
    load_per_core_max: float | None = None
    load_cpu_mean: float | None = None  # cores used by the load process(es)
    load_cpu_max: float | None = None
    harness_lag_max: float | None = None
    foreign_cpu_mean: float | None = None  # cores used by what is not ours
    loop_lag_max: float | None = None
    loop_lag_median: float | None = None


class Impact(_Rec):
    """Every fault's impact together, each failed request counted once."""

    errors: int = 0
    users_affected: int = 0
    spans: list[tuple[float, float]] = Field(default_factory=list)


class Tolerance(_Rec):
    """What "within tolerance" meant for this trial (the scenario's recovery settings)."""

    error_rate_abs: float
    p95_factor: float
    p95_slack: float
    min_requests: int
    significance: float = 0.001
    window: float
    unit: float | None = None  # W_eff
    widened: str | None = None  # why the units are wider than `window`
    latency_bound: float | None = None  # L = baseline p95 x factor + slack


class Phases(_Rec):
    warmup_end: float
    baseline_end: float
    faults_end: float
    end: float


class Distribution(_Rec):
    n: int
    missing: int = 0  # trials with no value (e.g. never recovered)
    median: float | None = None
    p90: float | None = None
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    ci_exact: bool = False  # False: too few trials for a 95 % interval; [min, max] shown


class Reconciliation(_Rec):
    """Client ledger vs the shop's orders vs the payment provider's charges (docs/metrics.md)."""

    acknowledged: int = 0
    attempted: int = 0
    orders: int = 0
    confirmed: int = 0
    charges: int = 0
    counts: dict[str, int] = Field(default_factory=dict)  # lost_orders, double_charges, ...
    examples: dict[str, list[str]] = Field(default_factory=dict)
    settled: bool = True  # no order was still in flight when it was read
    waited: float = 0.0
    error: str | None = None


class TrialRecord(_Rec):
    index: int
    seed: int
    status: Status
    started_at: float
    finished_at: float
    t0: float  # absolute epoch seconds; every other time here is relative to it
    stack: dict[str, Any]
    interrupted: str | None = None  # the signal that interrupted it
    evidence: list[Evidence] = Field(default_factory=list)
    host: Host | None = None
    tolerance: Tolerance | None = None
    impact: Impact | None = None
    phases: Phases | None = None
    baseline: Baseline | None = None
    overall: Stats | None = None  # from the end of the baseline to the end of the trial
    by_request: list[Stats] = Field(default_factory=list)
    faults: list[FaultRecord] = Field(default_factory=list)
    bucket_width: float = 0.5
    buckets: list[Bucket] = Field(default_factory=list)
    backend_events: list[BackendChange] = Field(default_factory=list)
    probe: Stats | None = None
    probes: list[ProbeRecord] = Field(default_factory=list)
    checks: list[Check] = Field(default_factory=list)
    abort: Abort | None = None
    rollbacks: list[Rollback] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    timeline_csv: str | None = None  # path relative to the run directory
    ledger: dict[str, int] = Field(default_factory=dict)  # checkouts as customers saw them
    reconciliation: Reconciliation | None = None


class ScenarioRecord(_Rec):
    name: str
    description: str = ""
    risk: str = ""
    tags: list[str] = Field(default_factory=list)
    file: str | None = None
    spec: dict[str, Any]
    status: Status
    trials: list[TrialRecord] = Field(default_factory=list)
    summary: dict[str, Distribution] = Field(default_factory=dict)
    flaky: bool = False
    error: str | None = None


class Machine(_Rec):
    hostname: str
    cpus: int
    system: str
    python: str


class RunRecord(_Rec):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    suite: str | None = None
    status: Status
    exit_code: int | None = None
    started_at: float
    finished_at: float | None = None
    platform: str
    stack: str
    harness_version: str
    versions: dict[str, str] = Field(default_factory=dict)  # haproxy, toxiproxy, locust, ...
    machine: Machine
    git_revision: str | None = None
    seed: int
    argv: list[str] = Field(default_factory=list)
    scenarios: list[ScenarioRecord] = Field(default_factory=list)

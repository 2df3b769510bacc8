"""The run record: one JSON document per run that every report renders (and nothing else).

Times inside a trial are seconds relative to the trial's t0 (when the load started), so a
record reads well; t0 itself is kept as an absolute epoch time. Bump SCHEMA_VERSION on any
incompatible change; readers refuse other versions with a clear message (record/io.py).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # an expectation did not hold
    ABORTED = "aborted"  # an abort condition fired
    ERROR = "error"  # the harness could not run it
    INTERRUPTED = "interrupted"  # Ctrl-C / SIGTERM

    @staticmethod
    def worst(statuses: list[Status]) -> Status:
        order = [Status.PASSED, Status.FAILED, Status.ABORTED, Status.ERROR, Status.INTERRUPTED]
        return max(statuses, key=order.index, default=Status.PASSED)


class _Rec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Stats(_Rec):
    """Requests in some span: counts, rates, latency percentiles (seconds)."""

    name: str = "all"
    requests: int
    failures: int
    error_rate: float | None
    rps: float | None = None
    p50: float | None = None
    p95: float | None = None
    p99: float | None = None


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
    users: int


class FaultMetrics(_Rec):
    time_to_detect: float | None = None
    time_to_recover: float | None = None
    recovery_reference: float | None = None  # t_inject (self-healing) or t_revert
    impact_start: float | None = None
    impact_end: float | None = None
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


class FaultRecord(_Rec):
    id: str
    kind: str
    target: str
    description: str = ""
    self_healing: bool
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
    observed: str  # e.g. "1.24s", "never recovered"
    verdict: Literal["pass", "fail"]
    limit: float | None = None
    value: float | None = None


class Abort(_Rec):
    t: float
    reason: str


class Rollback(_Rec):
    fault: str
    t: float
    ok: bool
    error: str | None = None


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
    phases: Phases | None = None
    baseline: Baseline | None = None
    overall: Stats | None = None  # from the end of the baseline to the end of the trial
    by_request: list[Stats] = Field(default_factory=list)
    faults: list[FaultRecord] = Field(default_factory=list)
    bucket_width: float = 0.5
    buckets: list[Bucket] = Field(default_factory=list)
    backend_events: list[BackendChange] = Field(default_factory=list)
    probe: Stats | None = None
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

"""The scenario file schema: strict (unknown keys are errors), every problem located.

docs/scenarios.md documents each key with an example; `shopchaos validate` checks files.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from harness.bounded import (
    Count,
    Factor,
    PositiveCount,
    Rate,
    Ratio,
    Repeat,
    Replicas,
    Seed,
    Threshold,
    Users,
    Weight,
)
from harness.faults.base import FaultSpec
from harness.faults.registry import fault_types
from harness.names import Name, UserClasses
from harness.probing.spec import AnyProbe
from harness.scenario.durations import Duration, parse_duration
from harness.stack.model import DbKind, LbProfileName

if TYPE_CHECKING:
    AnyFault = FaultSpec
else:
    AnyFault = Annotated[
        Union[tuple(t.spec for t in fault_types().values())],  # noqa: UP007 - built at runtime
        Field(discriminator="type"),
    ]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class StackRequirement(_Strict):
    """What the stack must be running with; the runner brings it up (or again) to match."""

    profile: Name = "default"
    replicas: Replicas | None = None
    db: DbKind | None = None
    lb_profile: LbProfileName | None = None


class ThinkTime(_Strict):
    min: Duration = Field(ge=0)
    max: Duration = Field(ge=0)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str) and ".." in value:
            lo, hi = value.split("..", 1)
            return {"min": lo, "max": hi}
        return value

    @model_validator(mode="after")
    def _ordered(self) -> ThinkTime:
        if self.max < self.min:
            raise ValueError("think_time: max must be >= min (write e.g. '20ms..50ms')")
        return self


class Load(_Strict):
    users: Users = 16
    spawn_rate: Rate = Field(default=16.0, description="users started per second")
    think_time: ThinkTime | None = Field(
        default=None, description="pause between a user's requests, e.g. '20ms..50ms'"
    )
    user_classes: UserClasses | None = Field(
        default=None,
        description="module:Class[,Class2] of Locust users; default: the stack's shoppers",
    )
    mix: dict[str, Weight] | None = Field(
        default=None, description="weights by user class name, e.g. {Browser: 6, Buyer: 1}"
    )
    request_timeout: Duration = Field(default=10.0, gt=0)
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="load processes (Locust's master and workers when > 1), docs/scaling.md",
    )

    @field_validator("mix")
    @classmethod
    def _positive(cls, mix: dict[str, float] | None) -> dict[str, float] | None:
        if mix is not None and any(w < 0 for w in mix.values()):
            raise ValueError("mix weights must be >= 0")
        return mix


class Phases(_Strict):
    warmup: Duration = Field(default=5.0, ge=0, description="load runs, nothing is measured")
    baseline: Duration = Field(default=10.0, gt=0, description="the steady-state window")
    observe: Duration = Field(default=15.0, ge=0, description="after the last fault ends")


class Recovery(_Strict):
    window: Duration = Field(default=1.0, gt=0, description="W in docs/metrics.md")
    error_rate_tolerance: Ratio = 0.001
    p95_factor: Factor = Field(default=1.5, ge=1)
    p95_slack: Duration = Field(default=0.005, ge=0)
    min_requests: PositiveCount = 5
    significance: Ratio = Field(
        default=0.001,
        gt=0,
        description="a unit is slow when this few of its requests being slow would be this "
        "unlikely within tolerance (docs/metrics.md)",
    )
    latency_slo: Duration | None = Field(default=None, gt=0)
    horizon: Duration = Field(default=3.0, gt=0, description="for delivered/offered")


class Evidence(_Strict):
    """How much evidence a verdict needs (docs/metrics.md, "Evidence before a verdict")."""

    baseline_min_requests: PositiveCount = Field(
        default=50, description="successful baseline requests needed to define the steady state"
    )
    baseline_max_error_rate: Ratio = Field(
        default=0.02, description="a baseline with more errors is not healthy"
    )
    baseline_max_unsteady: Ratio = Field(
        default=0.2,
        description="share of the baseline's own windows that may be out of its tolerance",
    )
    max_load_cpu: Factor = Field(
        default=0.9, gt=0, description="cores the load process may use on average"
    )
    max_loop_lag: Duration = Field(
        default=0.1, gt=0, description="the load generator's event-loop lag (worst 1 s p99)"
    )
    max_harness_lag: Duration = Field(
        default=0.25, gt=0, description="how late the harness's 0.5 s sampler may wake"
    )
    max_host_load: Factor = Field(
        default=4.0, gt=0, description="the host's 1-minute load average per core"
    )
    max_foreign_cpu: Factor = Field(
        default=0.5,
        gt=0,
        description="cores something other than the harness, its load and its stack may use",
    )


class RequestExpectation(_Strict):
    max_error_rate: Ratio | None = None
    max_p95: Duration | None = Field(default=None, gt=0, description="of successful requests")
    max_p95_failed: Duration | None = Field(
        default=None,
        gt=0,
        description="of failed requests: how long customers waited to learn it failed",
    )


class Expectations(_Strict):
    max_error_rate: Ratio | None = Field(
        default=None, description="over the fault and observation phases"
    )
    max_error_rate_during_fault: Ratio | None = None
    max_time_to_detect: Duration | None = Field(default=None, ge=0)
    max_time_to_recover: Duration | None = Field(default=None, ge=0)
    max_time_to_settle: Duration | None = Field(
        default=None,
        ge=0,
        description="after a self-healing fault is lifted (a replica restarted): back within "
        "tolerance within this",
    )
    max_p95: Duration | None = Field(default=None, gt=0)
    max_p95_inflation: Factor | None = Field(default=None, gt=0)
    min_availability: Ratio | None = None
    max_errors_per_fault: Count | None = None
    max_users_affected: Ratio | None = None
    min_delivered_ratio: Factor | None = None
    lb_marks_down: bool | None = Field(
        default=None, description="the load balancer must mark the faulty instance down"
    )
    recovers: bool | None = Field(default=None, description="every fault must recover")
    requests: dict[str, RequestExpectation] = Field(
        default_factory=dict, description="per request name, e.g. 'POST /checkout'"
    )
    # correctness (reconciliation): the most of each allowed, usually 0
    lost_orders: Count | None = None
    phantom_orders: Count | None = None
    duplicate_orders: Count | None = None
    double_charges: Count | None = None
    orphan_charges: Count | None = None
    stuck_orders: Count | None = None
    unlabelled_orders: Count | None = None
    negative_stock: Count | None = None
    # the DR drill (restore_from_backup faults)
    max_rto: Duration | None = Field(default=None, gt=0, description="disaster -> success again")
    max_rpo_seconds: Duration | None = Field(default=None, ge=0)
    max_rpo_orders: Count | None = None


class AbortCondition(_Strict):
    metric: Literal["error_rate", "p95"]
    above: Threshold = Field(description="error rate 0..1, or p95 in seconds / '800ms'")
    for_: Duration = Field(default=5.0, alias="for", gt=0)
    window: Duration = Field(default=1.0, gt=0)

    @model_validator(mode="before")
    @classmethod
    def _p95_duration(cls, value: Any) -> Any:
        if (
            isinstance(value, dict)
            and value.get("metric") == "p95"
            and isinstance(value.get("above"), str)
        ):
            return {**value, "above": parse_duration(value["above"])}
        return value


class Scenario(_Strict):
    name: str
    description: str = ""
    risk: str = Field(default="", description="the continuity risk this scenario rehearses")
    tags: list[Name] = Field(default_factory=list)
    stack: StackRequirement = StackRequirement()
    load: Load = Load()
    phases: Phases = Phases()
    faults: list[AnyFault] = Field(default_factory=list)
    probes: list[AnyProbe] = Field(
        default_factory=list, description="http, journey and python probes, each a promise"
    )
    configuration: dict[str, Any] = Field(
        default_factory=dict,
        description="passed to python probes and faults that ask for `configuration`",
    )
    secrets: dict[str, Any] = Field(
        default_factory=dict, description="passed to those that ask for `secrets`"
    )
    recovery: Recovery = Recovery()
    evidence: Evidence = Evidence()
    expect: Expectations = Expectations()
    abort: list[AbortCondition] = Field(default_factory=list)
    repeat: Repeat = 1
    seed: Seed | None = None

    @field_validator("name")
    @classmethod
    def _slug(cls, name: str) -> str:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,60}", name):
            raise PydanticCustomError(
                "scenario_name",
                "'{name}' is not a valid name: use lowercase letters, digits and dashes",
                {"name": name, "hint": "e.g. payment-outage (it names the report's files)"},
            )
        return name

    @model_validator(mode="after")
    def _unique_ids(self) -> Scenario:
        seen: set[str] = set()
        for i, fid in enumerate(self.fault_ids()):
            if fid in seen:
                raise ValueError(f"faults[{i}]: id '{fid}' is used twice; give each fault an id")
            seen.add(fid)
        probe_ids = [p.id for p in self.probes]
        for i, pid in enumerate(probe_ids):
            if pid in probe_ids[:i]:
                raise ValueError(f"probes[{i}]: id '{pid}' is used twice")
        return self

    def fault_ids(self) -> list[str]:
        kinds = [str(getattr(f, "type", "fault")) for f in self.faults]
        return [
            f.id or (k if kinds.count(k) == 1 else f"{k}-{i + 1}")
            for i, (f, k) in enumerate(zip(self.faults, kinds, strict=True))
        ]

    def fault_span(self) -> float:
        """Seconds from the start of the fault phase until the last fault with a duration ends."""
        ends = [f.at + (f.duration or 0.0) for f in self.faults]
        return max(ends, default=0.0)

    def total_seconds(self) -> float:
        return self.phases.warmup + self.phases.baseline + self.fault_span() + self.phases.observe

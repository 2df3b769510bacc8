"""Load faults: a traffic surge (the holiday rush). The users multiply for the fault's duration.

Measured like any other fault: errors, p95 inflation and availability while it lasts, and time
to recover after it ends.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from harness.bounded import Factor, Rate, Users
from harness.errors import FaultError
from harness.faults.base import FaultContext, FaultSpec, LoadControl
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register


class SurgeSpec(FaultSpec):
    type: Literal["surge"]
    factor: Factor | None = Field(default=None, gt=1, description="multiply the users by this")
    users: Users | None = Field(default=None, description="or: this many users")
    spawn_rate: Rate | None = Field(default=None, description="users started per second")

    @model_validator(mode="after")
    def _one(self) -> SurgeSpec:
        if (self.factor is None) == (self.users is None):
            raise ValueError("give either `factor` (e.g. 5) or `users`")
        return self


def _surge_users(spec: SurgeSpec, load: LoadControl) -> int:
    base = load.base_users
    return spec.users or max(base + 1, round(base * (spec.factor or 1)))


def _load(ctx: FaultContext) -> LoadControl:
    if ctx.load is None:
        raise FaultError("a surge needs the scenario's load to be running")
    return ctx.load


def surge_targets(spec: SurgeSpec, ctx: FaultContext) -> Targets:
    load = _load(ctx)
    return Targets(f"load: {load.base_users} -> {_surge_users(spec, load)} users")


class SurgeFault:
    def __init__(self, spec: SurgeSpec, ctx: FaultContext) -> None:
        self.load = _load(ctx)
        self.spec = spec
        self.users = _surge_users(spec, self.load)
        self._applied = False

    def apply(self) -> None:
        self._applied = True
        self.load.set_users(self.users, self.spec.spawn_rate or float(self.users))

    def revert(self) -> None:
        if self._applied:
            base = self.load.base_users
            self.load.set_users(base, float(max(base, 1)) * 4)
            self._applied = False


@register(
    "surge",
    "load",
    SurgeSpec,
    "multiply the number of users (traffic surge)",
    self_healing=False,
    targets=surge_targets,
)
def build_surge(spec: SurgeSpec, ctx: FaultContext, meta: FaultMeta) -> SurgeFault:
    return SurgeFault(spec, ctx)

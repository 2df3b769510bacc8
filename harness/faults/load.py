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
from harness.faults.registry import register


class SurgeSpec(FaultSpec):
    type: Literal["surge"]
    factor: Factor | None = Field(default=None, gt=1, description="multiply the users by this")
    users: Users | None = Field(default=None, description="or: this many users")
    spawn_rate: Rate | None = Field(default=None, description="users started per second")
    self_healing: bool = False

    @model_validator(mode="after")
    def _one(self) -> SurgeSpec:
        if (self.factor is None) == (self.users is None):
            raise ValueError("give either `factor` (e.g. 5) or `users`")
        return self


class SurgeFault:
    def __init__(self, spec: SurgeSpec, ctx: FaultContext) -> None:
        if ctx.load is None:
            raise FaultError("a surge needs the scenario's load to be running")
        self.load: LoadControl = ctx.load
        self.spec = spec
        self.kind = "surge"
        self.id = spec.id or "surge"
        self.self_healing = spec.self_healing
        base = self.load.base_users
        self.users = spec.users or max(base + 1, round(base * (spec.factor or 1)))
        self.target = f"load: {base} -> {self.users} users"
        self._applied = False

    def apply(self) -> None:
        self._applied = True
        self.load.set_users(self.users, self.spec.spawn_rate or float(self.users))

    def revert(self) -> None:
        if self._applied:
            base = self.load.base_users
            self.load.set_users(base, float(max(base, 1)) * 4)
            self._applied = False


@register("surge", "load", SurgeSpec, "multiply the number of users (traffic surge)")
def build_surge(spec: SurgeSpec, ctx: FaultContext) -> SurgeFault:
    return SurgeFault(spec, ctx)

"""Which instances an instance fault hits: one by name, N of a group, all but N, at random."""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from harness.bounded import InstanceCount, Replicas
from harness.errors import FaultError
from harness.names import Name
from harness.platforms.base import Endpoints


class Target(BaseModel):
    """`{instance: shop-2}`, `{group: shop, count: 2}`, `{group: shop, all_but: 1}`.

    pick: which members of a group: "random" (seeded by the scenario's seed) or "first".
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    instance: Name | None = None
    group: Name | None = None
    count: Replicas | None = None
    all_but: InstanceCount | None = None
    pick: Literal["random", "first"] = "random"

    @model_validator(mode="after")
    def _one_way(self) -> Target:
        if (self.instance is None) == (self.group is None):
            raise ValueError("give either `instance: NAME` or `group: SERVICE`")
        if self.instance is not None and (self.count or self.all_but is not None):
            raise ValueError("`count` and `all_but` go with `group`, not `instance`")
        if self.count is not None and self.all_but is not None:
            raise ValueError("give `count` or `all_but`, not both")
        return self

    def describe(self) -> str:
        if self.instance:
            return self.instance
        if self.all_but is not None:
            return f"all but {self.all_but} of {self.group}"
        return f"{self.count or 1} of {self.group} ({self.pick})"


def select(target: Target, endpoints: Endpoints, rng: random.Random) -> list[str]:
    names = [i.name for i in endpoints.instances]
    if target.instance is not None:
        if target.instance not in names:
            raise FaultError(
                f"no instance named '{target.instance}'", hint=f"instances: {', '.join(names)}"
            )
        return [target.instance]
    members = [i.name for i in endpoints.group(target.group or "")]
    if not members:
        groups = sorted({i.service for i in endpoints.instances})
        raise FaultError(f"no service group '{target.group}'", hint=f"groups: {', '.join(groups)}")
    n = len(members) - target.all_but if target.all_but is not None else (target.count or 1)
    if not 0 < n <= len(members):
        raise FaultError(
            f"cannot pick {n} of the {len(members)} instances of '{target.group}' "
            f"({target.describe()})"
        )
    return members[:n] if target.pick == "first" else sorted(rng.sample(members, n))

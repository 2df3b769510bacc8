"""Network faults: partition an instance (cut it off its network; reconnect on revert).

Needs a platform with the SupportsPartition ability (Compose: disconnect the container from the
project network). On the local platform every instance shares loopback, so building this fault
there is an error that says so.
"""

from __future__ import annotations

from typing import Literal

from harness.errors import FaultError
from harness.faults._selection import Target, select
from harness.faults.base import FaultContext, FaultSpec
from harness.faults.registry import register
from harness.platforms.base import SupportsPartition


class PartitionSpec(FaultSpec):
    type: Literal["partition"]
    target: Target
    self_healing: bool = True


class PartitionFault:
    def __init__(self, spec: PartitionSpec, ctx: FaultContext) -> None:
        platform = ctx.platform
        if not isinstance(platform, SupportsPartition):
            raise FaultError(
                f"the {platform.name} platform cannot partition an instance",
                hint="run this scenario with --platform compose",
            )
        self.platform: SupportsPartition = platform
        self.spec = spec
        self.kind = "partition"
        self.id = spec.id or self.kind
        self.self_healing = spec.self_healing
        self.instances = select(spec.target, ctx.endpoints, ctx.rng)
        self.target = ", ".join(self.instances)
        self._applied: list[str] = []

    def apply(self) -> None:
        for name in self.instances:
            self._applied.append(name)
            self.platform.partition(name)

    def revert(self) -> None:
        for name in list(self._applied):
            self.platform.heal(name)
            self._applied.remove(name)


@register("partition", "network", PartitionSpec, "cut an instance off the network (Compose)")
def build_partition(spec: PartitionSpec, ctx: FaultContext) -> PartitionFault:
    return PartitionFault(spec, ctx)

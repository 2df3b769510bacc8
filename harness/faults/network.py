"""Network faults: partition an instance (cut it off its network; reconnect on revert).

Needs a platform with the SupportsPartition ability (Compose: disconnect the container from the
project network). On the local platform every instance shares loopback, so building this fault
there is an error that says so.
"""

from __future__ import annotations

from typing import Literal

from harness.errors import FaultError
from harness.faults._selection import Target
from harness.faults.base import FaultContext, FaultSpec
from harness.faults.instance import instance_targets
from harness.faults.meta import FaultMeta
from harness.faults.registry import register
from harness.platforms.base import SupportsPartition


class PartitionSpec(FaultSpec):
    type: Literal["partition"]
    target: Target


class PartitionFault:
    def __init__(self, spec: PartitionSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        platform = ctx.platform
        if not isinstance(platform, SupportsPartition):
            raise FaultError(
                f"the {platform.name} platform cannot partition an instance",
                hint="run this scenario with --platform compose",
            )
        self.platform: SupportsPartition = platform
        self.instances = meta.instances
        self._applied: list[str] = []

    def apply(self) -> None:
        for name in self.instances:
            self._applied.append(name)
            self.platform.partition(name)

    def revert(self) -> None:
        for name in list(self._applied):
            self.platform.heal(name)
            self._applied.remove(name)


@register(
    "partition",
    "network",
    PartitionSpec,
    "cut an instance off the network (Compose)",
    self_healing=True,
    targets=instance_targets,
)
def build_partition(spec: PartitionSpec, ctx: FaultContext, meta: FaultMeta) -> PartitionFault:
    return PartitionFault(spec, ctx, meta)

"""Instance faults: kill (SIGKILL), terminate (SIGTERM), pause (a frozen process), restart.

kill/terminate: the instances die; on revert they are started again unless `restart: false`.
pause: SIGSTOP / docker pause (the process still holds its socket; connections hang); revert
resumes it. restart: a rolling restart (a deploy): each instance in turn is drained in the load
balancer (when `drain: true`), terminated, started and put back, `interval` apart.
All four are self-healing by default: the load balancer is expected to route around them.
"""

from __future__ import annotations

import time
from typing import Literal

from pydantic import Field

from harness.errors import FaultError, StackError
from harness.faults._selection import Target, select
from harness.faults.base import FaultContext, FaultSpec
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.scenario.durations import Duration


class _InstanceSpec(FaultSpec):
    target: Target


class KillSpec(_InstanceSpec):
    type: Literal["kill"]
    restart: bool = Field(default=True, description="start the instances again on revert")


class TerminateSpec(_InstanceSpec):
    type: Literal["terminate"]
    restart: bool = True


class PauseSpec(_InstanceSpec):
    type: Literal["pause"]


class RestartSpec(_InstanceSpec):
    type: Literal["restart"]
    drain: bool = Field(default=True, description="take each out of the LB before stopping it")
    interval: Duration = Field(default=2.0, ge=0, description="pause between instances")


def instance_targets(spec: _InstanceSpec, ctx: FaultContext) -> Targets:
    """The instances a fault hits, chosen once (seeded) when it is built."""
    instances = tuple(select(spec.target, ctx.endpoints, ctx.rng))
    return Targets(", ".join(instances), instances)


class _InstanceFault:
    def __init__(self, spec: _InstanceSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        self.spec = spec
        self.ctx = ctx
        self.kind = meta.kind
        self.instances = meta.instances
        self._applied: list[str] = []

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class StopFault(_InstanceFault):
    """kill and terminate."""

    def apply(self) -> None:
        how = self.ctx.platform.kill if self.kind == "kill" else self.ctx.platform.terminate
        for name in self.instances:
            self._applied.append(name)
            how(name)

    def revert(self) -> None:
        restart = bool(getattr(self.spec, "restart", True))
        if not restart:
            return
        for name in list(self._applied):
            if self.ctx.platform.process_state(name) == "exited":
                self.ctx.platform.start(name)
            self._applied.remove(name)


class PauseFault(_InstanceFault):
    def apply(self) -> None:
        for name in self.instances:
            self._applied.append(name)
            self.ctx.platform.pause(name)

    def revert(self) -> None:
        for name in list(self._applied):
            self.ctx.platform.resume(name)
            self._applied.remove(name)


class RestartFault(_InstanceFault):
    """A rolling restart; apply() returns when every instance is back."""

    def apply(self) -> None:
        spec = self.spec
        assert isinstance(spec, RestartSpec)
        runtime = HAProxyRuntime(self.ctx.endpoints.lb_runtime)
        backend = self.ctx.endpoints.lb_backend
        for i, name in enumerate(self.instances):
            ref = self.ctx.endpoints.instance(name)
            self._applied.append(name)
            if spec.drain and ref.lb_server:
                runtime.set_state(backend, ref.lb_server, "maint")
            self.ctx.progress(f"restarting {name}")
            self.ctx.platform.restart(name)
            if spec.drain and ref.lb_server:
                runtime.set_state(backend, ref.lb_server, "ready")
                _wait_lb_up(runtime, backend, ref.lb_server, timeout=15)
            self._applied.remove(name)
            if i < len(self.instances) - 1:
                time.sleep(spec.interval)

    def revert(self) -> None:
        runtime = HAProxyRuntime(self.ctx.endpoints.lb_runtime)
        for name in list(self._applied):
            if self.ctx.platform.process_state(name) == "exited":
                self.ctx.platform.start(name)
            ref = self.ctx.endpoints.instance(name)
            if ref.lb_server:
                runtime.set_state(self.ctx.endpoints.lb_backend, ref.lb_server, "ready")
            self._applied.remove(name)


def _wait_lb_up(runtime: HAProxyRuntime, backend: str, server: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            states = {s.server: s.status for s in runtime.servers(backend)}
        except StackError:
            states = {}
        if states.get(server) == "UP":
            return
        time.sleep(0.05)
    raise FaultError(f"{server} did not come back UP in the load balancer within {timeout:g}s")


@register(
    "kill",
    "instance",
    KillSpec,
    "SIGKILL instances (docker kill); restart on revert",
    self_healing=True,
    targets=instance_targets,
)
def build_kill(spec: KillSpec, ctx: FaultContext, meta: FaultMeta) -> StopFault:
    return StopFault(spec, ctx, meta)


@register(
    "terminate",
    "instance",
    TerminateSpec,
    "SIGTERM instances (graceful stop)",
    self_healing=True,
    targets=instance_targets,
)
def build_terminate(spec: TerminateSpec, ctx: FaultContext, meta: FaultMeta) -> StopFault:
    return StopFault(spec, ctx, meta)


@register(
    "pause",
    "instance",
    PauseSpec,
    "freeze instances (SIGSTOP / docker pause)",
    self_healing=True,
    targets=instance_targets,
)
def build_pause(spec: PauseSpec, ctx: FaultContext, meta: FaultMeta) -> PauseFault:
    return PauseFault(spec, ctx, meta)


@register(
    "restart",
    "instance",
    RestartSpec,
    "rolling restart of instances (a deploy)",
    self_healing=True,
    targets=instance_targets,
)
def build_restart(spec: RestartSpec, ctx: FaultContext, meta: FaultMeta) -> RestartFault:
    return RestartFault(spec, ctx, meta)

"""Dependency faults through Toxiproxy: latency, timeout, down, reset_peer, bandwidth, slow_close,
slicer, limit_data.

Each is one toxic on the dependency's proxy (or, for `down`, the proxy disabled: its listener
closes and every connection drops). `direction`: downstream (the dependency's answers, the
default), upstream (the requests) or both (two toxics). `toxicity`: the share of connections
affected (1.0 = all). Toxiproxy applies a new toxic to open connections before the API call
returns (design.md), so t_inject is when apply() returned.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from harness.bounded import ByteCount, Kbps, Ratio
from harness.errors import FaultError
from harness.faults.base import FaultContext, FaultSpec
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register
from harness.names import Name
from harness.scenario.durations import Duration

Direction = Literal["downstream", "upstream", "both"]


class _DependencySpec(FaultSpec):
    dependency: Name = Field(description="a dependency of the stack, e.g. payment")
    direction: Direction = "downstream"
    toxicity: Ratio = Field(default=1.0, gt=0, description="share of connections affected")

    def attributes(self) -> dict[str, Any]:
        """The toxic's attributes in Toxiproxy's units (ms, KB/s, bytes, µs for slicer)."""
        return {}


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


class LatencySpec(_DependencySpec):
    type: Literal["latency"]
    latency: Duration = Field(gt=0)
    jitter: Duration = Field(default=0.0, ge=0)

    def attributes(self) -> dict[str, Any]:
        return {"latency": _ms(self.latency), "jitter": _ms(self.jitter)}


class TimeoutSpec(_DependencySpec):
    type: Literal["timeout"]
    timeout: Duration = Field(
        default=0.0, ge=0, description="close after this long; 0 = black hole until reverted"
    )

    def attributes(self) -> dict[str, Any]:
        return {"timeout": _ms(self.timeout)}


class DownSpec(_DependencySpec):
    type: Literal["down"]


class ResetPeerSpec(_DependencySpec):
    type: Literal["reset_peer"]
    timeout: Duration = Field(default=0.0, ge=0, description="reset after this long")

    def attributes(self) -> dict[str, Any]:
        return {"timeout": _ms(self.timeout)}


class BandwidthSpec(_DependencySpec):
    type: Literal["bandwidth"]
    rate_kbps: Kbps = Field(description="KB per second")

    def attributes(self) -> dict[str, Any]:
        return {"rate": self.rate_kbps}


class SlowCloseSpec(_DependencySpec):
    type: Literal["slow_close"]
    delay: Duration = Field(gt=0)

    def attributes(self) -> dict[str, Any]:
        return {"delay": _ms(self.delay)}


class SlicerSpec(_DependencySpec):
    type: Literal["slicer"]
    average_size: ByteCount = Field(default=64, gt=0, description="bytes per slice")
    size_variation: ByteCount = 32
    delay: Duration = Field(default=0.001, ge=0, description="between slices")

    def attributes(self) -> dict[str, Any]:
        return {
            "average_size": self.average_size,
            "size_variation": self.size_variation,
            "delay": round(self.delay * 1_000_000),
        }


class LimitDataSpec(_DependencySpec):
    type: Literal["limit_data"]
    bytes: ByteCount = Field(gt=0, description="close each connection after this many bytes")

    def attributes(self) -> dict[str, Any]:
        return {"bytes": self.bytes}


def dependency_targets(spec: _DependencySpec, ctx: FaultContext) -> Targets:
    proxies = ctx.endpoints.proxies
    if spec.dependency not in proxies:
        hint = f"dependencies here: {', '.join(sorted(proxies))}"
        if spec.dependency == "database":
            hint += "; the database proxy exists with PostgreSQL (stack: {db: postgres})"
        raise FaultError(f"no dependency named '{spec.dependency}'", hint=hint)
    return Targets(f"{spec.dependency} ({spec.direction})")


class DependencyFault:
    def __init__(self, spec: _DependencySpec, ctx: FaultContext, meta: FaultMeta) -> None:
        self.spec = spec
        self.ctx = ctx
        self.kind = meta.kind
        self.proxy = ctx.endpoints.proxies[spec.dependency]
        streams = ["downstream", "upstream"] if spec.direction == "both" else [spec.direction]
        self.toxics = [(f"shopchaos-{meta.id}-{s}", s) for s in streams]

    def apply(self) -> None:
        client = self.ctx.toxiproxy
        if self.kind == "down":
            client.set_enabled(self.proxy, False)
            return
        for name, stream in self.toxics:
            client.add_toxic(
                self.proxy,
                name=name,
                type=self.kind,
                stream=stream,
                toxicity=self.spec.toxicity,
                attributes=self.spec.attributes(),
            )

    def revert(self) -> None:
        client = self.ctx.toxiproxy
        if self.kind == "down":
            client.set_enabled(self.proxy, True)
            return
        for name, _ in self.toxics:
            client.remove_toxic(self.proxy, name)


_SUMMARIES: dict[str, tuple[type[_DependencySpec], str]] = {
    "latency": (LatencySpec, "add latency (with jitter) to a dependency"),
    "timeout": (TimeoutSpec, "black-hole a dependency (no answer; close after timeout)"),
    "down": (DownSpec, "take a dependency down (listener closed, connections dropped)"),
    "reset_peer": (ResetPeerSpec, "reset connections to a dependency (TCP RST)"),
    "bandwidth": (BandwidthSpec, "limit a dependency's bandwidth"),
    "slow_close": (SlowCloseSpec, "delay the closing of connections"),
    "slicer": (SlicerSpec, "slice data into small delayed pieces"),
    "limit_data": (LimitDataSpec, "close connections after N bytes"),
}


def _builder(spec: _DependencySpec, ctx: FaultContext, meta: FaultMeta) -> DependencyFault:
    return DependencyFault(spec, ctx, meta)


for _name, (_spec, _summary) in _SUMMARIES.items():
    register(
        _name,
        "dependency",
        _spec,
        _summary,
        self_healing=False,
        targets=dependency_targets,
    )(_builder)

DEPENDENCY_SPECS = tuple(spec for spec, _ in _SUMMARIES.values())

"""Fault types by name. Each family module registers its spec models and builders here; the
registry builds every fault's FaultMeta once and checks its optional abilities in one place."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.errors import FaultError
from harness.faults.base import Fault, FaultContext, FaultSpec, HasBackgroundWork, ReportsDetails
from harness.faults.meta import FaultMeta

Builder = Callable[[Any, FaultContext, FaultMeta], Fault]


@dataclass(frozen=True)
class Targets:
    """What a fault hits: a label for people and the stack instances it acts on (if any)."""

    label: str
    instances: tuple[str, ...] = ()


TargetResolver = Callable[[Any, FaultContext], Targets]


@dataclass(frozen=True)
class FaultType:
    name: str
    family: str
    spec: type[FaultSpec]
    build: Builder
    summary: str
    self_healing: bool
    targets: TargetResolver


@dataclass(frozen=True)
class BuiltFault:
    """A fault ready to apply, with its metadata and its optional abilities resolved."""

    meta: FaultMeta
    fault: Fault
    details: Callable[[], Mapping[str, float | int | str]] | None = None
    close: Callable[[], None] | None = None


_REGISTRY: dict[str, FaultType] = {}


def register(
    name: str,
    family: str,
    spec: type[FaultSpec],
    summary: str,
    *,
    self_healing: bool,
    targets: TargetResolver,
) -> Callable[[Builder], Builder]:
    def wrap(build: Builder) -> Builder:
        if name in _REGISTRY:
            raise RuntimeError(f"fault type {name!r} registered twice")
        _REGISTRY[name] = FaultType(name, family, spec, build, summary, self_healing, targets)
        return build

    return wrap


def fault_types() -> dict[str, FaultType]:
    _load_families()
    return dict(_REGISTRY)


def build(spec: FaultSpec, ctx: FaultContext) -> BuiltFault:
    kind = str(getattr(spec, "type", ""))
    ftype = fault_types().get(kind)
    if ftype is None:
        raise FaultError(f"no fault type named {kind!r}")
    targets = ftype.targets(spec, ctx)
    lb_servers = []
    for name in targets.instances:
        ref = ctx.endpoints.instance(name)
        if ref.lb_server:
            lb_servers.append(ref.lb_server)
    meta = FaultMeta(
        id=spec.id or kind,
        kind=kind,
        family=ftype.family,
        target=targets.label,
        self_healing=ftype.self_healing if spec.self_healing is None else spec.self_healing,
        instances=targets.instances,
        lb_servers=tuple(lb_servers),
        description=spec.description,
        spec=spec.model_dump(mode="json", by_alias=True, exclude_none=True),
    )
    fault = ftype.build(spec, ctx, meta)
    return BuiltFault(
        meta=meta,
        fault=fault,
        details=fault.details if isinstance(fault, ReportsDetails) else None,
        close=fault.close if isinstance(fault, HasBackgroundWork) else None,
    )


def _load_families() -> None:
    # importing a family module registers its types
    from harness.faults import database, dependency, instance, load, network  # noqa: F401

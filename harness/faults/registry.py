"""Fault types by name: each family module registers its spec models and builders here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.errors import FaultError
from harness.faults.base import Fault, FaultContext, FaultSpec

Builder = Callable[[Any, FaultContext], Fault]


@dataclass(frozen=True)
class FaultType:
    name: str
    family: str
    spec: type[FaultSpec]
    build: Builder
    summary: str


_REGISTRY: dict[str, FaultType] = {}


def register(
    name: str, family: str, spec: type[FaultSpec], summary: str
) -> Callable[[Builder], Builder]:
    def wrap(build: Builder) -> Builder:
        if name in _REGISTRY:
            raise RuntimeError(f"fault type {name!r} registered twice")
        _REGISTRY[name] = FaultType(name, family, spec, build, summary)
        return build

    return wrap


def fault_types() -> dict[str, FaultType]:
    _load_families()
    return dict(_REGISTRY)


def build(spec: FaultSpec, ctx: FaultContext) -> Fault:
    kind = str(getattr(spec, "type", ""))
    ftype = fault_types().get(kind)
    if ftype is None:
        raise FaultError(f"no fault type named {kind!r}")
    return ftype.build(spec, ctx)


def _load_families() -> None:
    # importing a family module registers its types
    from harness.faults import database, dependency, instance, load, network  # noqa: F401

"""Fault types by name, found through the `shopchaos.faults` entry-point group: the built-in
families are registered the same way as a plugin's (pyproject.toml). Each entry point names a
module whose import registers its types (or a function that does, called once). The registry
builds every fault's FaultMeta once and checks its optional abilities in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
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
    plugin: str = ""  # the entry point that registered it
    distribution: str = ""  # the installed package that provides it (e.g. shopchaos)


@dataclass(frozen=True)
class PluginProblem:
    """An entry point of the group that could not be loaded (its types are left out)."""

    plugin: str
    distribution: str
    error: str


GROUP = "shopchaos.faults"
# Used only when no entry point of the group is visible (a source tree that was never installed)
BUILTIN_FAMILIES = {
    "instance": "harness.faults.instance",
    "dependency": "harness.faults.dependency",
    "network": "harness.faults.network",
    "load": "harness.faults.load",
    "database": "harness.faults.database",
    "exec": "harness.faults.custom_exec",
    "http": "harness.faults.custom_http",
    "python": "harness.faults.custom_python",
}


@dataclass(frozen=True)
class BuiltFault:
    """A fault ready to apply, with its metadata and its optional abilities resolved."""

    meta: FaultMeta
    fault: Fault
    details: Callable[[], Mapping[str, float | int | str]] | None = None
    close: Callable[[], None] | None = None


_REGISTRY: dict[str, FaultType] = {}


@dataclass
class _Loading:
    done: bool = False
    plugin: str = ""
    distribution: str = ""
    problems: list[PluginProblem] = field(default_factory=list)


_LOADING = _Loading()


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
            first = _REGISTRY[name]
            raise RuntimeError(
                f"fault type {name!r} registered twice (first by {first.plugin or '?'} of "
                f"{first.distribution or '?'})"
            )
        _REGISTRY[name] = FaultType(
            name,
            family,
            spec,
            build,
            summary,
            self_healing,
            targets,
            plugin=_LOADING.plugin,
            distribution=_LOADING.distribution,
        )
        return build

    return wrap


def fault_types() -> dict[str, FaultType]:
    _load_plugins()
    return dict(_REGISTRY)


def plugin_problems() -> list[PluginProblem]:
    _load_plugins()
    return list(_LOADING.problems)


def plan(spec: FaultSpec, ctx: FaultContext) -> tuple[FaultType, FaultMeta]:
    """What a fault would hit and how it is measured, without building it (nothing starts,
    nothing is touched): the FaultMeta `build` uses, and what `--dry-run` prints."""
    kind = str(getattr(spec, "type", ""))
    ftype = fault_types().get(kind)
    if ftype is None:
        raise FaultError(f"no fault type named {kind!r}", hint=f"types: {', '.join(_REGISTRY)}")
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
    return ftype, meta


def build(spec: FaultSpec, ctx: FaultContext) -> BuiltFault:
    ftype, meta = plan(spec, ctx)
    fault = ftype.build(spec, ctx, meta)
    return BuiltFault(
        meta=meta,
        fault=fault,
        details=fault.details if isinstance(fault, ReportsDetails) else None,
        close=fault.close if isinstance(fault, HasBackgroundWork) else None,
    )


def _load_plugins() -> None:
    """Load every entry point of the group once; a broken plugin is reported (plugin_problems,
    `shopchaos faults`) and its types left out, never a crash at import."""
    if _LOADING.done:
        return
    _LOADING.done = True
    eps = sorted(entry_points(group=GROUP), key=lambda e: (e.dist.name if e.dist else "", e.name))
    if not any(e.dist is not None and e.dist.name == "shopchaos" for e in eps):
        eps = [EntryPoint(n, m, GROUP) for n, m in BUILTIN_FAMILIES.items()] + eps
    for ep in eps:
        dist = ep.dist.name if ep.dist is not None else "shopchaos (source tree)"
        _LOADING.plugin, _LOADING.distribution = ep.name, dist
        try:
            loaded = ep.load()
            if callable(loaded):
                loaded()
        except Exception as e:  # a plugin's own bug must not take the harness down
            _LOADING.problems.append(PluginProblem(ep.name, dist, f"{type(e).__name__}: {e}"))
        finally:
            _LOADING.plugin, _LOADING.distribution = "", ""

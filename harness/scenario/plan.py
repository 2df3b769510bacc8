"""`shopchaos run --dry-run`: load and validate everything, resolve every target against the
running stack, and say what a run would do and when - touching nothing.

Nothing here starts, stops, writes or sends: the stack is read (its state file and its
addresses), fault targets come from registry.plan() (no builder runs: the DR drill's backups
do not start), probe addresses are resolved (no request), python functions imported and their
arguments bound (not called), exec programs looked up on PATH (not run).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from harness.callables import CallableError, resolve
from harness.errors import FaultError, HarnessError, InputError, Problem
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.faults import registry
from harness.faults.base import FaultContext
from harness.faults.custom_python import PythonCall
from harness.platforms.base import Platform
from harness.probing.runner import build_executors, health_probe
from harness.probing.spec import PythonProbe
from harness.scenario.loader import LoadedScenario
from harness.scenario.runner import health_path, stack_options
from harness.scenario.schema import Scenario


@dataclass(frozen=True)
class PlannedFault:
    id: str
    kind: str
    target: str
    apply_at: float  # seconds after the load starts
    revert_at: float | None  # None: at the end of the trial
    self_healing: bool


@dataclass(frozen=True)
class PlannedProbe:
    id: str
    kind: str
    target: str
    every: float
    phases: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioPlan:
    name: str
    file: str
    stack: str  # what the run would do with the stack
    trials: int
    seeds: tuple[int, ...]
    phases: tuple[tuple[str, float, float], ...]  # (phase, start, end), seconds after t0
    trial_seconds: float
    faults: tuple[PlannedFault, ...] = ()
    probes: tuple[PlannedProbe, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


class _PlannedLoad:
    """The load a trial would start, for fault targets that depend on it (a surge); it is
    never changed in a dry run."""

    def __init__(self, users: int) -> None:
        self.base_users = users

    def set_users(self, users: int, spawn_rate: float | None = None) -> None:
        raise FaultError("a dry run changes nothing")


def plan_run(
    loaded: list[LoadedScenario],
    platform: Platform,
    *,
    seed: int,
    repeat: int | None,
    time_scale: float,
) -> list[ScenarioPlan]:
    """The plan of every scenario; InputError listing every fault or probe that would not
    resolve against the stack."""
    plans: list[ScenarioPlan] = []
    problems: list[Problem] = []
    for ls in loaded:
        try:
            plans.append(_plan(ls, platform, seed, repeat, time_scale))
        except InputError as e:
            problems.extend(
                Problem(p.path, f"{ls.path}: {p.message}", p.line, p.hint) for p in e.problems
            )
    if problems:
        raise InputError("the dry run", problems)
    return plans


def _stack_action(platform: Platform, sc: Scenario) -> tuple[str, bool]:
    """What the run would do with the stack, and whether it runs as the scenario needs."""
    wanted = platform.resolve(stack_options(sc))
    current = platform.options()
    if current == wanted:
        return (
            f"use the running {platform.spec.name} on {platform.name} ({wanted.describe()})",
            True,
        )
    if current is None:
        return f"bring {platform.spec.name} up on {platform.name} ({wanted.describe()})", False
    return (
        f"restart {platform.spec.name}: it runs {current.describe()}, needs {wanted.describe()}",
        False,
    )


def _plan(
    ls: LoadedScenario, platform: Platform, seed: int, repeat: int | None, scale: float
) -> ScenarioPlan:
    sc = ls.scenario
    stack, running = _stack_action(platform, sc)
    n = repeat or sc.repeat
    base = sc.seed if sc.seed is not None else seed
    p = sc.phases
    warm, baseline = p.warmup * scale, p.baseline * scale
    span = sc.fault_span() * scale
    total = warm + baseline + span + p.observe * scale
    phases = (
        ("warm-up", 0.0, warm),
        ("baseline", warm, warm + baseline),
        ("faults", warm + baseline, warm + baseline + span),
        ("observe", warm + baseline + span, total),
    )
    notes: list[str] = []
    if not running:
        notes.append("targets resolved when the stack runs as the scenario needs (not now)")
        return ScenarioPlan(
            sc.name, str(ls.path), stack, n, _seeds(base, n), phases, total, notes=tuple(notes)
        )
    faults = _faults(sc, platform, base, warm + baseline, scale)
    probes = _probes(sc, platform)
    return ScenarioPlan(
        sc.name,
        str(ls.path),
        stack,
        n,
        _seeds(base, n),
        phases,
        total,
        faults,
        probes,
        tuple(notes),
    )


def check_functions(loaded: list[LoadedScenario]) -> None:
    """Before anything starts: every python probe's and fault's function imports (a missing
    module is a located input error, not a failure after the stack came up)."""
    problems: list[Problem] = []
    for ls in loaded:
        refs = [
            (f"probes[{i}].function", p.function)
            for i, p in enumerate(ls.scenario.probes)
            if isinstance(p, PythonProbe)
        ]
        for i, f in enumerate(ls.scenario.faults):
            for part in ("apply", "revert"):
                call = getattr(f, part, None)
                if isinstance(call, PythonCall):
                    refs.append((f"faults[{i}].{part}.function", call.function))
        for where, ref in refs:
            try:
                resolve(ref)
            except CallableError as e:
                problems.append(Problem(where, f"{ls.path}: {e.message}", hint=e.hint))
    if problems:
        raise InputError(None, problems)


def _seeds(base: int, n: int) -> tuple[int, ...]:
    return tuple(base + k for k in range(n))


def _faults(
    sc: Scenario, platform: Platform, seed: int, start: float, scale: float
) -> tuple[PlannedFault, ...]:
    endpoints = platform.endpoints()
    ctx = FaultContext(
        platform=platform,
        endpoints=endpoints,
        toxiproxy=ToxiproxyClient(endpoints.toxiproxy_url),  # built, never called
        rng=random.Random(seed),  # the first trial's picks, as run_trial makes them
        load=_PlannedLoad(sc.load.users),
        configuration=sc.configuration,
        secrets=sc.secrets,
    )
    out: list[PlannedFault] = []
    problems: list[Problem] = []
    for i, (spec, fid) in enumerate(zip(sc.faults, sc.fault_ids(), strict=True)):
        try:
            _, meta = registry.plan(spec.model_copy(update={"id": fid}), ctx)
        except HarnessError as e:
            problems.append(Problem(f"faults[{i}]", f"{fid}: {e.message}", hint=e.hint))
            continue
        at = start + spec.at * scale
        out.append(
            PlannedFault(
                id=meta.id,
                kind=meta.kind,
                target=meta.target,
                apply_at=at,
                revert_at=at + spec.duration * scale if spec.duration is not None else None,
                self_healing=meta.self_healing,
            )
        )
    if problems:
        raise InputError(None, problems)
    return tuple(out)


def _probes(sc: Scenario, platform: Platform) -> tuple[PlannedProbe, ...]:
    endpoints = platform.endpoints()
    meta, health = health_probe(endpoints, health_path(platform))
    out = [PlannedProbe(meta.id, meta.type, health.target, meta.every, ("always",))]
    health.close()
    executors = build_executors(sc.probes, endpoints, sc.configuration, sc.secrets)
    for ex in executors:
        ex.close()
    out.extend(
        PlannedProbe(spec.id, spec.type, ex.target, spec.every, spec.run_phases())
        for spec, ex in zip(sc.probes, executors, strict=True)
    )
    return tuple(out)

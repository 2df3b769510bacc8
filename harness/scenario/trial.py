"""One trial of a scenario against a running stack: load, probes, the fault schedule, abort
conditions, and the revert guarantee. Returns the raw timeline; evaluate.py measures it.

Phases (docs/scenarios.md): warm-up (load runs, nothing measured) -> baseline (the steady-state
window) -> faults (each at its offset, for its duration) -> observe (after the last fault ends).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import FaultError, LoadError, RunAborted
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.faults import registry
from harness.faults.base import Fault, FaultContext
from harness.load.process import LoadConfig, LoadProcess, LoadWorkers
from harness.load.wire import LedgerEntry
from harness.measure.live import BreachTracker, RollingWindow
from harness.measure.timeline import BackendEvent, ProbeSample, RequestRecord
from harness.platforms.base import Endpoints, Platform, Progress
from harness.probes import EntryProbe, LbProbe
from harness.scenario.safety import AppliedFaults, RollbackEntry, Window, signals_raise
from harness.scenario.schema import AbortCondition, Scenario


@dataclass(frozen=True)
class PhaseTimes:
    t0: float
    warmup_end: float
    baseline_end: float
    faults_end: float
    end: float


@dataclass(frozen=True)
class LiveState:
    phase: str
    elapsed: float
    total: float
    rps: float
    error_rate: float | None
    p95: float | None
    active_faults: list[str]
    backends: dict[str, str]


@dataclass
class TrialData:
    seed: int
    started_at: float
    phases: PhaseTimes | None = None
    requests: list[RequestRecord] = field(default_factory=list)
    ledger: list[LedgerEntry] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    backend_events: list[BackendEvent] = field(default_factory=list)
    probe: list[ProbeSample] = field(default_factory=list)
    abort: tuple[float, str] | None = None
    rollbacks: list[RollbackEntry] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    finished_at: float = 0.0


@dataclass
class TrialEnv:
    platform: Platform
    endpoints: Endpoints
    user_classes: str
    work_dir: Path
    progress: Progress
    on_live: Callable[[LiveState], None]
    time_scale: float = 1.0
    load_workers: LoadWorkers = field(default_factory=LoadWorkers)


class _LoadControl:
    def __init__(self, load: LoadProcess, base_users: int) -> None:
        self.load = load
        self.base_users = base_users

    def set_users(self, users: int, spawn_rate: float | None = None) -> None:
        self.load.set_users(users, spawn_rate)


def run_trial(scenario: Scenario, env: TrialEnv, data: TrialData, index: int) -> None:
    """Fill `data` (the caller keeps it, so an interrupted trial still leaves a timeline).

    An abort condition ends the trial early (data.abort says why); Ctrl-C and SIGTERM raise
    after every fault is reverted and the load is stopped.
    """
    seed = data.seed
    s = env.time_scale
    phases_len = (scenario.phases.warmup * s, scenario.phases.baseline * s)
    total = sum(phases_len) + scenario.fault_span() * s + scenario.phases.observe * s
    load = LoadProcess(
        _load_config(scenario, env, seed, total), log=env.work_dir / f"load-{index}.log"
    )
    applied = AppliedFaults()
    faults: list[Fault] = []
    entry_probe = EntryProbe(env.endpoints.entry_url + "/healthz")
    lb_probe = LbProbe(env.endpoints.lb_runtime, env.endpoints.lb_backend)
    try:
        with signals_raise(), entry_probe, lb_probe:
            try:
                t0 = load.start()
                ctx = FaultContext(
                    platform=env.platform,
                    endpoints=env.endpoints,
                    toxiproxy=ToxiproxyClient(env.endpoints.toxiproxy_url),
                    rng=random.Random(seed),
                    progress=env.progress,
                    load=_LoadControl(load, scenario.load.users),
                )
                _build_faults(scenario, ctx, faults)
                data.windows = [applied.windows.setdefault(f.id, Window(f)) for f in faults]
                data.phases = PhaseTimes(
                    t0=t0,
                    warmup_end=t0 + phases_len[0],
                    baseline_end=t0 + sum(phases_len),
                    faults_end=t0 + sum(phases_len) + scenario.fault_span() * s,
                    end=t0 + total,
                )
                _drive(scenario, env, load, faults, applied, data, lb_probe)
            except RunAborted:
                pass  # data.abort says why; the faults are reverted just below
            finally:
                data.rollbacks = applied.revert_all()
                load.stop()
                for fault in faults:  # background work of faults (the DR drill's backups)
                    close = getattr(fault, "close", None)
                    if callable(close):
                        close()
    finally:
        data.requests = load.snapshot()
        data.ledger = list(load.ledger)
        data.backend_events = list(lb_probe.events)
        data.probe = list(entry_probe.samples)
        data.finished_at = time.time()
    if load.fatal:
        raise LoadError(load.fatal, hint=f"see {load.log}")


def _load_config(scenario: Scenario, env: TrialEnv, seed: int, total: float) -> LoadConfig:
    load = scenario.load
    think = (load.think_time.min, load.think_time.max) if load.think_time else None
    max_seconds = total + 120.0  # room for slow fault actions; the process stops by itself
    return LoadConfig(
        host=env.endpoints.entry_url,
        user_classes=load.user_classes or env.user_classes,
        users=load.users,
        spawn_rate=load.spawn_rate,
        max_seconds=max_seconds,
        max_requests=int(max(100_000, 3000 * max_seconds)),
        request_timeout=load.request_timeout,
        think_time=think,
        mix=load.mix,
        seed=seed,
        **env.load_workers.for_scenario(load.workers),
    )


def _build_faults(scenario: Scenario, ctx: FaultContext, out: list[Fault]) -> None:
    """Build every fault into `out` (the caller closes what was built, even on failure)."""
    for spec, fid in zip(scenario.faults, scenario.fault_ids(), strict=True):
        try:
            out.append(registry.build(spec.model_copy(update={"id": fid}), ctx))
        except FaultError as e:
            raise FaultError(f"fault {fid}: {e.message}", hint=e.hint) from e


def _schedule(
    scenario: Scenario, faults: list[Fault], phases: PhaseTimes, scale: float
) -> list[tuple[float, str, Fault]]:
    events: list[tuple[float, str, Fault]] = []
    for spec, fault in zip(scenario.faults, faults, strict=True):
        start = phases.baseline_end + spec.at * scale
        events.append((start, "apply", fault))
        if spec.duration is not None:
            events.append((start + spec.duration * scale, "revert", fault))
    events.sort(key=lambda e: (e[0], e[1] == "apply"))  # reverts before applies at one instant
    return events


def _drive(
    scenario: Scenario,
    env: TrialEnv,
    load: LoadProcess,
    faults: list[Fault],
    applied: AppliedFaults,
    data: TrialData,
    lb_probe: LbProbe,
) -> None:
    """The main loop: apply and revert on schedule, watch abort conditions, report progress."""
    phases = data.phases
    assert phases is not None
    events = _schedule(scenario, faults, phases, env.time_scale)
    window = RollingWindow(1.0)  # live progress
    windows = {c.window: RollingWindow(c.window) for c in scenario.abort}
    trackers = [(cond, _tracker(cond)) for cond in scenario.abort]
    seen = 0
    next_live = 0.0
    while True:
        now = time.time()
        if _act(events, now, applied, env):
            # after the last action: a slow apply/revert (a rolling restart) pushes observation
            phases = _after_last_action(phases, time.time(), scenario, env.time_scale)
            data.phases = phases
        if now >= phases.end:
            break
        if not load.running:
            raise LoadError("the load process stopped before the end of the trial")
        fresh = load.requests[seen:]
        seen += len(fresh)
        for rec in fresh:
            window.add(rec)
            for w in windows.values():
                w.add(rec)
        if now >= phases.baseline_end:
            for cond, tracker in trackers:
                if tracker.update(now, _breached(cond, windows[cond.window], now)):
                    reason = _abort_reason(cond)
                    data.abort = (now, reason)
                    env.progress(f"abort: {reason}")
                    raise RunAborted(reason)
        if now >= next_live:
            env.on_live(_live(phases, now, window, applied, lb_probe))
            next_live = now + 0.5
        wake = min([events[0][0] if events else phases.end, phases.end, now + 0.05])
        time.sleep(max(0.0, wake - time.time()))


def _act(
    events: list[tuple[float, str, Fault]], now: float, applied: AppliedFaults, env: TrialEnv
) -> bool:
    """Apply/revert what is due; True when that emptied the schedule."""
    if not events or events[0][0] > now:
        return False
    while events and events[0][0] <= now:
        _, action, fault = events.pop(0)
        if action == "apply":
            applied.apply(fault)
            env.progress(f"injected {fault.id}: {fault.kind} {fault.target}")
        else:
            applied.revert(fault.id)
            env.progress(f"reverted {fault.id}")
    return not events


def _after_last_action(
    phases: PhaseTimes, done: float, scenario: Scenario, scale: float
) -> PhaseTimes:
    """The observation phase follows the last fault action as it really happened."""
    end = max(phases.end, done + scenario.phases.observe * scale)
    return dataclasses.replace(phases, faults_end=max(phases.faults_end, done), end=end)


def _tracker(cond: AbortCondition) -> BreachTracker:
    return BreachTracker(cond.for_)


def _breached(cond: AbortCondition, window: RollingWindow, now: float) -> bool:
    if cond.metric == "error_rate":
        rate = window.error_rate(now)
        return rate is not None and rate > cond.above
    p95 = window.p95(now)
    return p95 is not None and p95 > cond.above


def _abort_reason(cond: AbortCondition) -> str:
    what = f"{cond.above:.0%}" if cond.metric == "error_rate" else f"{cond.above * 1000:.0f} ms"
    return f"{cond.metric} above {what} for {cond.for_:g}s"


def _live(
    phases: PhaseTimes, now: float, window: RollingWindow, applied: AppliedFaults, lb: LbProbe
) -> LiveState:
    if now < phases.warmup_end:
        phase = "warm-up"
    elif now < phases.baseline_end:
        phase = "baseline"
    elif now < phases.faults_end or applied.active:
        phase = "faults"
    else:
        phase = "observe"
    return LiveState(
        phase=phase,
        elapsed=now - phases.t0,
        total=phases.end - phases.t0,
        rps=window.rps(now),
        error_rate=window.error_rate(now),
        p95=window.p95(now),
        active_faults=applied.active,
        backends=dict(lb.current),
    )

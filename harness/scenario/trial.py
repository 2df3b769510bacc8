"""One trial of a scenario against a running stack: load, probes, the fault schedule, abort
conditions, and the revert guarantee. Returns what it observed (measure/observations.py);
assess() measures it.

Phases (docs/scenarios.md): warm-up (load runs, nothing measured) -> baseline (the steady-state
window) -> faults (each at its offset, for its duration) -> observe (after the last fault ends).
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import FaultError, HarnessError, Interrupted, LoadError
from harness.events import NO_EVENTS, EventSink
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.faults import registry
from harness.faults.base import FaultContext
from harness.faults.registry import BuiltFault
from harness.load.process import LoadConfig, LoadProcess, LoadWorkers
from harness.load.wire import StateChange
from harness.measure.live import BreachTracker, RollingWindow
from harness.measure.observations import LagSample, PhaseTimes, TrialObservations
from harness.platforms.base import Endpoints, Platform, Progress, ReportsProcesses
from harness.probes import HostProbe, LbProbe
from harness.probing.runner import PhaseClock, ProbeSet
from harness.scenario.safety import AppliedFaults
from harness.scenario.schema import AbortCondition, Scenario
from harness.signals import shielded, signals_raise


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
    starved: str | None = None  # why the machine cannot measure right now, if it cannot


@dataclass
class TrialEnv:
    platform: Platform
    endpoints: Endpoints
    user_classes: str
    work_dir: Path
    progress: Progress
    on_live: Callable[[LiveState], None]
    time_scale: float = 1.0
    events: EventSink = NO_EVENTS
    health_path: str = "/healthz"  # the built-in health probe's path, through the LB
    load_workers: LoadWorkers = field(default_factory=LoadWorkers)


class _LoadControl:
    def __init__(self, load: LoadProcess, base_users: int) -> None:
        self.load = load
        self.base_users = base_users

    def set_users(self, users: int, spawn_rate: float | None = None) -> None:
        self.load.set_users(users, spawn_rate)


def run_trial(scenario: Scenario, env: TrialEnv, index: int, seed: int) -> TrialObservations:
    """Run one trial and return what it observed, however it ended: normally, aborted by an
    abort condition, with a harness error (in `errors`), or interrupted by Ctrl-C / SIGTERM /
    SIGHUP (in `interrupted`; the caller stops the run). Every applied fault is reverted and
    the load stopped before this returns, shielded from a second signal."""
    started = time.time()
    s = env.time_scale
    phases_len = (scenario.phases.warmup * s, scenario.phases.baseline * s)
    total = sum(phases_len) + scenario.fault_span() * s + scenario.phases.observe * s
    load = LoadProcess(
        _load_config(scenario, env, seed, total), log=env.work_dir / f"load-{index}.log"
    )
    applied = AppliedFaults()
    built: list[BuiltFault] = []
    driver: _Driver | None = None
    errors: list[str] = []
    interrupted: str | None = None
    clock = PhaseClock()
    probes = ProbeSet(
        scenario.probes,
        env.endpoints,
        health_path=env.health_path,
        clock=clock,
        events=env.events,
        configuration=scenario.configuration,
        secrets=scenario.secrets,
    )
    lb_probe = LbProbe(env.endpoints.lb_runtime, env.endpoints.lb_backend)
    host_probe = HostProbe()
    try:
        with signals_raise(), probes, lb_probe, host_probe:
            try:
                t0 = load.start()
                host_probe.watch(load.pids, _stack_pids(env.platform))
                ctx = FaultContext(
                    platform=env.platform,
                    endpoints=env.endpoints,
                    toxiproxy=ToxiproxyClient(env.endpoints.toxiproxy_url),
                    rng=random.Random(seed),
                    progress=env.progress,
                    load=_LoadControl(load, scenario.load.users),
                    configuration=scenario.configuration,
                    secrets=scenario.secrets,
                )
                built = _build_faults(scenario, ctx)
                applied = AppliedFaults(built)
                driver = _Driver(scenario, env, load, built, applied, lb_probe, host_probe, clock)
                driver.run(_phases(t0, phases_len, scenario, s, total))
            finally:
                with shielded():  # a second Ctrl-C cannot skip the rollback or the cleanup
                    applied.revert_all()
                    load.stop()
                    for b in built:  # background work of faults (the DR drill's backups)
                        if b.close is not None:
                            b.close()
    except KeyboardInterrupt:
        interrupted = "SIGINT"
    except Interrupted as e:
        interrupted = e.signal or "signal"
    except HarnessError as e:
        errors.append(str(e))
    if load.fatal:
        errors.append(str(LoadError(load.fatal, hint=f"see {load.log}")))
    if driver is not None and driver.phases is not None:
        errors.extend(_cap_reached(load.states, driver.phases.end))
    return TrialObservations(
        seed=seed,
        started_at=started,
        finished_at=time.time(),
        users=scenario.load.users,
        phases=driver.phases if driver else None,
        requests=tuple(sorted(load.snapshot(), key=lambda r: r.t)),
        ledger=tuple(sorted([*load.ledger, *probes.ledger()], key=lambda e: e.t)),
        faults=applied.observed(),
        backend_events=tuple(lb_probe.events),
        probes=probes.observed(),
        host=tuple(host_probe.samples),
        lags=tuple(
            LagSample(c.t, c.value or 0.0, c.what)
            for c in load.states
            if c.what == "lag" or c.what.startswith("lag:")
        ),
        abort=driver.abort if driver else None,
        rollbacks=tuple(applied.rollbacks),
        errors=tuple(errors),
        interrupted=interrupted,
    )


def _stack_pids(platform: Platform) -> Callable[[], list[int]] | None:
    """How the host probe finds the stack's processes (their CPU is ours, not foreign)."""
    return platform.process_ids if isinstance(platform, ReportsProcesses) else None


def _phases(
    t0: float, lens: tuple[float, float], scenario: Scenario, scale: float, total: float
) -> PhaseTimes:
    return PhaseTimes(
        t0=t0,
        warmup_end=t0 + lens[0],
        baseline_end=t0 + sum(lens),
        faults_end=t0 + sum(lens) + scenario.fault_span() * scale,
        end=t0 + total,
    )


MAX_RATE = 20_000  # req/s of one load process the request cap allows (Locust reaches ~3,000 here)


def request_cap(max_seconds: float) -> int:
    """The requests after which a load process stops by itself: a bound far above what one
    process can send in `max_seconds`, so a trial never meets it (it would say so: see
    _cap_reached)."""
    return int(max(100_000, MAX_RATE * max_seconds))


def _cap_reached(states: Iterable[StateChange], end: float) -> list[str]:
    """An error for each load process that stopped at its request cap before the trial's end:
    the load then vanished mid-trial, which no figure may be read from."""
    return [
        f"a load process stopped at its request cap ({c.value or 0:.0f} requests) "
        f"{end - c.t:.1f}s before the trial's end: the rest of the trial had less load than "
        "asked (raise harness.scenario.trial.MAX_RATE, or split the load with load.workers)"
        for c in states
        if (c.what == "limit" or c.what.startswith("limit:")) and c.t < end
    ]


def _load_config(scenario: Scenario, env: TrialEnv, seed: int, total: float) -> LoadConfig:
    load = scenario.load
    think = (load.think_time.min, load.think_time.max) if load.think_time else None
    max_seconds = total + 120.0  # room for slow fault actions; the process stops by itself
    return LoadConfig(
        host=env.endpoints.entry_url,
        user_classes=load.user_classes or env.user_classes,
        sys_path=(str(env.platform.spec.base_dir),),  # the stack file's directory
        users=load.users,
        spawn_rate=load.spawn_rate,
        max_seconds=max_seconds,
        max_requests=request_cap(max_seconds),
        request_timeout=load.request_timeout,
        think_time=think,
        mix=load.mix,
        seed=seed,
        **env.load_workers.for_scenario(load.workers),
    )


def _build_faults(scenario: Scenario, ctx: FaultContext) -> list[BuiltFault]:
    out = []
    for spec, fid in zip(scenario.faults, scenario.fault_ids(), strict=True):
        try:
            out.append(registry.build(spec.model_copy(update={"id": fid}), ctx))
        except FaultError as e:
            for b in out:  # what was built so far may run background work
                if b.close is not None:
                    b.close()
            raise FaultError(f"fault {fid}: {e.message}", hint=e.hint) from e
    return out


class _Driver:
    """The main loop: apply and revert on schedule, watch abort conditions, report progress.
    Its `phases` follow what really happened (a slow apply pushes observation); `abort` says
    why an abort condition ended the trial early."""

    def __init__(
        self,
        scenario: Scenario,
        env: TrialEnv,
        load: LoadProcess,
        built: list[BuiltFault],
        applied: AppliedFaults,
        lb_probe: LbProbe,
        host_probe: HostProbe,
        clock: PhaseClock,
    ) -> None:
        self.scenario = scenario
        self.env = env
        self.load = load
        self.built = built
        self.applied = applied
        self.lb_probe = lb_probe
        self.host_probe = host_probe
        self.clock = clock
        self._phase: str | None = None
        self.phases: PhaseTimes | None = None
        self.abort: tuple[float, str] | None = None

    def run(self, phases: PhaseTimes) -> None:
        self.phases = phases
        self.clock.set(phases)
        scenario, env = self.scenario, self.env
        events = _schedule(scenario, self.built, phases, env.time_scale)
        window = RollingWindow(1.0)  # live progress
        windows = {c.window: RollingWindow(c.window) for c in scenario.abort}
        trackers = [(cond, BreachTracker(cond.for_)) for cond in scenario.abort]
        seen = 0
        next_live = 0.0
        while True:
            now = time.time()
            if self._act(events):
                # after the last action: a slow apply/revert (a rolling restart) pushes
                # observation
                phases = _after_last_action(phases, time.time(), scenario, env)
                self.phases = phases
                self.clock.set(phases)
            if now >= phases.end:
                return
            self._phase_event(now)
            if not self.load.running:
                raise LoadError("the load process stopped before the end of the trial")
            fresh = self.load.requests[seen:]
            seen += len(fresh)
            for rec in fresh:
                window.add(rec)
                for w in windows.values():
                    w.add(rec)
            if now >= phases.baseline_end:
                for cond, tracker in trackers:
                    if tracker.update(now, _breached(cond, windows[cond.window], now)):
                        reason = _abort_reason(cond)
                        self.abort = (now, reason)
                        env.progress(f"abort: {reason}")
                        return
            if now >= next_live:
                env.on_live(self._live(phases, now, window))
                next_live = now + 0.5
            wake = min([events[0][0] if events else phases.end, phases.end, now + 0.05])
            time.sleep(max(0.0, wake - time.time()))

    def _act(self, events: list[tuple[float, str, BuiltFault]]) -> bool:
        """Apply/revert what is due; True when that emptied the schedule."""
        now = time.time()
        if not events or events[0][0] > now:
            return False
        while events and events[0][0] <= now:
            _, action, b = events.pop(0)
            m, emit = b.meta, self.env.events.emit
            try:
                if action == "apply":
                    self.applied.apply(b)
                else:
                    self.applied.revert(m.id)
            except Exception as e:
                emit(f"fault_{action}_failed", fault=m.id, kind=m.kind, error=f"{e}"[:300])
                raise
            if action == "apply":
                self.env.progress(f"injected {m.id}: {m.kind} {m.target}")
                emit("fault_applied", fault=m.id, kind=m.kind, target=m.target)
            else:
                self.env.progress(f"reverted {m.id}")
                emit("fault_reverted", fault=m.id, kind=m.kind)
        return not events

    def _phase_event(self, now: float) -> None:
        phase = self.clock.phase_at(now)
        if phase is not None and phase != self._phase:
            self._phase = phase
            self.env.events.emit("phase", phase=phase)

    def _live(self, phases: PhaseTimes, now: float, window: RollingWindow) -> LiveState:
        if now < phases.warmup_end:
            phase = "warm-up"
        elif now < phases.baseline_end:
            phase = "baseline"
        elif now < phases.faults_end or self.applied.active:
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
            active_faults=self.applied.active,
            backends=dict(self.lb_probe.current),
            starved=_starved_now(self.scenario, self.host_probe, self.load),
        )


def _starved_now(scenario: Scenario, host: HostProbe, load: LoadProcess) -> str | None:
    """The live warning: the last few seconds' host samples and load lags over their limits."""
    rules = scenario.evidence
    recent = host.samples[-4:]
    lags = [c.value or 0.0 for c in load.states[-80:] if c.what.startswith("lag")][-3:]
    if lags and max(lags) > rules.max_loop_lag:
        return f"load generator lagging {max(lags) * 1000:.0f} ms"
    if recent and max(h.harness_lag for h in recent) > rules.max_harness_lag:
        return "harness starved"
    if len(recent) >= 4 and sum(h.foreign_cpu for h in recent) / 4 > rules.max_foreign_cpu:
        return f"other programs using {sum(h.foreign_cpu for h in recent) / 4:.1f} cores"
    if recent and max(h.load_per_core for h in recent) > rules.max_host_load:
        return f"host load {max(h.load_per_core for h in recent):.1f}/core"
    if len(recent) >= 4 and sum(h.load_cpu for h in recent) / 4 > rules.max_load_cpu:
        return "load generator at full CPU"
    return None


def _schedule(
    scenario: Scenario, built: list[BuiltFault], phases: PhaseTimes, scale: float
) -> list[tuple[float, str, BuiltFault]]:
    events: list[tuple[float, str, BuiltFault]] = []
    for spec, b in zip(scenario.faults, built, strict=True):
        start = phases.baseline_end + spec.at * scale
        events.append((start, "apply", b))
        if spec.duration is not None:
            events.append((start + spec.duration * scale, "revert", b))
    events.sort(key=lambda e: (e[0], e[1] == "apply"))  # reverts before applies at one instant
    return events


def _after_last_action(
    phases: PhaseTimes, done: float, scenario: Scenario, env: TrialEnv
) -> PhaseTimes:
    """The observation phase follows the last fault action as it really happened."""
    end = max(phases.end, done + scenario.phases.observe * env.time_scale)
    return dataclasses.replace(phases, faults_end=max(phases.faults_end, done), end=end)


def _breached(cond: AbortCondition, window: RollingWindow, now: float) -> bool:
    if cond.metric == "error_rate":
        rate = window.error_rate(now)
        return rate is not None and rate > cond.above
    p95 = window.p95(now)
    return p95 is not None and p95 > cond.above


def _abort_reason(cond: AbortCondition) -> str:
    what = f"{cond.above:.0%}" if cond.metric == "error_rate" else f"{cond.above * 1000:.0f} ms"
    return f"{cond.metric} above {what} for {cond.for_:g}s"

"""Run scenarios: bring the stack to what each needs, run its trials, write the run record.

The record (reports/<run_id>/record.json) is written after every trial, so an interrupted run
still leaves what it measured. The stack is held for the whole run and left as it was found
(stack_keeper.py): a stack this run started is taken down at the end (unless asked to keep it);
a stack it found running is left running, with the user's options again if a scenario needed
others.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform as pyplatform
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import harness
from harness import tools
from harness.errors import HarnessError, InputError, Interrupted, Problem, StackError
from harness.events import NO_EVENTS, EventSink
from harness.exit_codes import STATUS_EXIT, Exit, exit_code_for
from harness.load.process import LoadWorkers
from harness.measure.assess import assess
from harness.measure.observations import TrialObservations
from harness.measure.trials import distributions, flaky
from harness.platforms.base import Platform, Progress, StackOptions
from harness.reconciliation.sources import reconcile_trial
from harness.record import io as record_io
from harness.record import model as rec
from harness.recover import recover
from harness.scenario.loader import LoadedScenario
from harness.scenario.schema import Scenario
from harness.scenario.settings import assess_settings
from harness.scenario.stack_keeper import StackKeeper
from harness.scenario.trial import LiveState, TrialEnv, run_trial
from harness.scenario.trial_record import to_record, write_timeline_csv
from harness.scenario.verdict import judge
from harness.signals import shielded
from harness.stack.versions import stack_versions


class RunUI(Protocol):
    def progress(self, message: str) -> None: ...

    def scenario_start(self, scenario: Scenario, index: int, total: int) -> None: ...

    def trial_start(self, trial: int, trials: int) -> None: ...

    def live(self, state: LiveState) -> None: ...

    def trial_done(self, trial: rec.TrialRecord) -> None: ...


class SilentUI:
    """A RunUI that shows nothing: tests, benchmarks, and callers that read the record."""

    def progress(self, message: str) -> None: ...

    def scenario_start(self, scenario: Scenario, index: int, total: int) -> None: ...

    def trial_start(self, trial: int, trials: int) -> None: ...

    def live(self, state: LiveState) -> None: ...

    def trial_done(self, trial: rec.TrialRecord) -> None: ...


@dataclass
class RunOptions:
    reports_dir: Path
    seed: int
    repeat: int | None = None  # overrides each scenario's `repeat`
    time_scale: float = 1.0  # multiplies phases and fault offsets/durations (short CI runs)
    suite: str | None = None
    keep_stack: bool | None = None  # None: down a stack this run started, restore one it found
    argv: list[str] = field(default_factory=list)
    events: EventSink = NO_EVENTS  # --events FILE: JSON lines as things happen
    load_workers: LoadWorkers = field(default_factory=LoadWorkers)  # --load-workers and co.


def run(
    loaded: list[LoadedScenario], platform: Platform, opts: RunOptions, ui: RunUI
) -> tuple[rec.RunRecord, Path]:
    run_id = time.strftime("%Y%m%d-%H%M%S") + f"-{opts.suite or loaded[0].scenario.name}"
    run_dir = opts.reports_dir / run_id
    record = rec.RunRecord(
        run_id=run_id,
        suite=opts.suite,
        status=rec.Status.INTERRUPTED,  # until the run finishes: a killed harness leaves this
        started_at=time.time(),
        platform=platform.name,
        stack=platform.spec.name,
        harness_version=harness.__version__,
        versions=_versions() | stack_versions(platform.spec),
        machine=_machine(),
        git_revision=_git_revision(),
        seed=opts.seed,
        argv=opts.argv,
    )
    keeper = StackKeeper.begin(platform, ui.progress, opts.keep_stack)  # the stack's lock
    record_io.write(record, run_dir)  # from the first instant: a killed run still leaves this
    opts.events.emit("run_start", run_id=run_id, platform=platform.name, seed=opts.seed)
    try:
        for i, ls in enumerate(loaded):
            ui.scenario_start(ls.scenario, i, len(loaded))
            opts.events.emit("scenario_start", scenario=ls.scenario.name, file=str(ls.path))
            keeper.ensure(stack_options(ls.scenario))
            scenario_rec = _run_scenario(ls, platform, opts, ui, run_dir, record)
            record.scenarios.append(scenario_rec)
            record_io.write(record, run_dir)
            opts.events.emit(
                "scenario_done", scenario=scenario_rec.name, status=scenario_rec.status.value
            )
        record.status = rec.Status.worst([s.status for s in record.scenarios])
        record.exit_code = int(STATUS_EXIT[record.status])
    except KeyboardInterrupt as e:
        record.status, record.exit_code = rec.Status.INTERRUPTED, int(Exit.INTERRUPTED)
        raise Interrupted(
            "interrupted (Ctrl-C); every fault was reverted", signal="SIGINT", run_dir=run_dir
        ) from e
    except Interrupted as e:
        record.status, record.exit_code = rec.Status.INTERRUPTED, int(Exit.INTERRUPTED)
        e.run_dir = run_dir
        raise
    except HarnessError as e:
        record.status, record.exit_code = rec.Status.ERROR, int(exit_code_for(e))
        raise
    finally:
        with shielded():  # a second signal cannot lose the record or leave the stack half down
            record.finished_at = time.time()
            record_io.write(record, run_dir)
            opts.events.emit(
                "run_done", run_id=run_id, status=record.status.value, exit_code=record.exit_code
            )
            keeper.finish()  # down, or the stack the user had restored; the lock released
    return record, run_dir


def _run_scenario(
    ls: LoadedScenario,
    platform: Platform,
    opts: RunOptions,
    ui: RunUI,
    run_dir: Path,
    record: rec.RunRecord,
) -> rec.ScenarioRecord:
    sc = ls.scenario
    trials: list[rec.TrialRecord] = []
    srec = rec.ScenarioRecord(
        name=sc.name,
        description=sc.description,
        risk=sc.risk,
        tags=sc.tags,
        file=str(ls.path),
        spec=sc.model_dump(mode="json", by_alias=True, exclude_none=True),
        status=rec.Status.PASSED,
    )
    n = opts.repeat or sc.repeat
    base_seed = sc.seed if sc.seed is not None else opts.seed
    user_classes = sc.load.user_classes or platform.spec.load_user_classes
    if user_classes is None:
        raise InputError(
            str(ls.path),
            [
                Problem(
                    "load.user_classes",
                    "no Locust user classes: the stack description names none",
                    hint="add `load_user_classes: module:Class` to the stack description, "
                    "or `load.user_classes` to the scenario",
                )
            ],
        )
    settings = assess_settings(sc)
    for k in range(n):
        ui.trial_start(k, n)
        opts.events.emit("trial_start", scenario=sc.name, trial=k, seed=base_seed + k)
        _ensure_healthy(platform, ui.progress)
        env = TrialEnv(
            platform=platform,
            endpoints=platform.endpoints(),
            user_classes=user_classes,
            work_dir=run_dir / "logs" / sc.name,
            progress=ui.progress,
            on_live=ui.live,
            time_scale=opts.time_scale,
            events=opts.events,
            health_path=health_path(platform),
            load_workers=opts.load_workers,
        )
        obs = run_trial(sc, env, k, base_seed + k)
        options = platform.options()
        recon = _reconcile(platform, obs, ui) if obs.interrupted is None else None
        metrics = assess(settings, obs)
        stack = options.model_dump() if options else {}
        trial = judge(sc, to_record(k, obs, metrics, settings, stack, recon))
        if obs.requests:
            csv_path = write_timeline_csv(obs, run_dir / "timelines" / f"{sc.name}-{k + 1}.csv.gz")
            trial = trial.model_copy(update={"timeline_csv": str(csv_path.relative_to(run_dir))})
        if (warning := load_warning(trial)) is not None:
            ui.progress(f"warning: {warning}")
            trial = trial.model_copy(update={"warnings": [*trial.warnings, warning]})
        trials.append(trial)
        _emit_verdicts(opts.events, sc.name, trial)
        srec = _summarise(srec, trials)
        ui.trial_done(trial)
        if obs.interrupted is not None:
            record.scenarios.append(srec)
            raise Interrupted(
                f"interrupted ({obs.interrupted}); every fault was reverted",
                signal=obs.interrupted,
            )
        record_io.write(record.model_copy(update={"scenarios": [*record.scenarios, srec]}), run_dir)
    return srec


def health_path(platform: Platform) -> str:
    """The built-in health probe's path: the LB backend service's liveness endpoint."""
    spec = platform.spec
    return spec.services[spec.load_balancer.backend].health.live


def _emit_verdicts(events: EventSink, scenario: str, trial: rec.TrialRecord) -> None:
    for c in trial.checks:
        events.emit(
            "check",
            scenario=scenario,
            trial=trial.index,
            name=c.name,
            scope=c.scope,
            expected=c.expected,
            observed=c.observed,
            verdict=c.verdict,
            reason=c.reason,
        )
    for r in trial.rollbacks:
        events.emit("rollback", scenario=scenario, fault=r.fault, ok=r.ok, error=r.error)
    events.emit("trial_done", scenario=scenario, trial=trial.index, status=trial.status.value)


def load_warning(trial: rec.TrialRecord) -> str | None:
    """Locust's own limits shape what it measures: warn when a trial's baseline reaches about
    half of the req/s `make bench` measured as Locust's ceiling on this machine."""
    ceiling = _load_ceiling()
    if ceiling is None or trial.baseline is None or trial.baseline.rps <= 0.5 * ceiling:
        return None
    return (
        f"the baseline ran {trial.baseline.rps:.0f} req/s, more than half of Locust's "
        f"measured ceiling here ({ceiling:.0f} req/s): latency and recovery figures may "
        "show the load generator's limits, not the shop's"
    )


def _load_ceiling() -> float | None:
    if env := os.environ.get("SHOPCHAOS_LOAD_CEILING"):
        return float(env)
    root = tools.project_root()
    path = root / "bench" / "results" / "load-ceiling.json" if root else None
    try:
        return float(json.loads(path.read_text())["locust_rps"]) if path else None
    except (OSError, ValueError, KeyError):
        return None


def _reconcile(platform: Platform, obs: TrialObservations, ui: RunUI) -> rec.Reconciliation | None:
    """Compare the customers' ledger with the shop's orders and the provider's charges."""
    if platform.spec.reconciliation is None or obs.phases is None:
        return None
    try:
        result, settled, waited = reconcile_trial(
            platform.spec,
            platform.endpoints(),
            list(obs.ledger),
            since=obs.phases.t0 - 1.0,
            progress=ui.progress,
        )
    except HarnessError as e:
        return rec.Reconciliation(error=e.message)
    return rec.Reconciliation(
        acknowledged=result.acknowledged,
        attempted=result.attempted,
        orders=result.orders,
        confirmed=result.confirmed,
        charges=result.charges,
        counts=result.counts,
        examples=result.examples,
        settled=settled,
        waited=round(waited, 2),
    )


def _summarise(srec: rec.ScenarioRecord, trials: list[rec.TrialRecord]) -> rec.ScenarioRecord:
    per_trial = []
    for t in trials:
        values: dict[str, float | None] = {}
        for f in t.faults:
            m = f.metrics
            values[f"{f.id}.time_to_recover"] = m.time_to_recover
            values[f"{f.id}.time_to_detect"] = m.time_to_detect
            values[f"{f.id}.errors"] = float(m.errors)
            values[f"{f.id}.availability"] = m.availability
            values[f"{f.id}.p95_inflation"] = m.p95_inflation
        if t.overall is not None:
            values["error_rate"] = t.overall.error_rate
            values["p95"] = t.overall.p95
        per_trial.append(values)
    summary = {k: rec.Distribution(**vars(d)) for k, d in distributions(per_trial).items()}
    verdicts = [t.status.value for t in trials]
    return srec.model_copy(
        update={
            "trials": list(trials),
            "summary": summary,
            "flaky": flaky(verdicts) and len(trials) > 1,
            "status": rec.Status.worst([t.status for t in trials]),
        }
    )


def stack_options(sc: Scenario) -> StackOptions:
    req = sc.stack
    return StackOptions(
        replicas=req.replicas, db=req.db, profile=req.profile, lb_profile=req.lb_profile
    )


def _ensure_healthy(platform: Platform, progress: Progress, timeout: float = 45.0) -> None:
    """Before a trial: every instance running, ready and UP in the LB; repair if not."""
    deadline = time.monotonic() + timeout
    repaired = False
    while True:
        status = platform.status()
        if status.healthy:
            return
        if not repaired:
            progress("the stack is degraded before the trial: repairing it")
            recover(platform, progress)
            repaired = True
        if time.monotonic() > deadline:
            bad = [
                f"{i.ref.name}: {i.process}/{i.health}/{i.lb_state}"
                for i in status.instances
                if i.process != "running" or i.health != "ready" or i.lb_state not in (None, "UP")
            ]
            raise StackError(f"the stack is not healthy after {timeout:g}s: {'; '.join(bad)}")
        time.sleep(0.25)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": pyplatform.python_version()}
    for name in ("locust",):  # the stack's own: its `versions:` (harness/stack/versions.py)
        with contextlib.suppress(PackageNotFoundError):
            out[name] = version(name)
    words = _first_line(["haproxy", "-v"]).split()  # "HAProxy version 2.6.12-1 2026/10/17 …"
    out["haproxy"] = words[2] if len(words) > 2 else ""
    return {k: v for k, v in out.items() if v}


def _first_line(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (done.stdout or done.stderr).strip().split("\n", 1)[0][:80]


def _git_revision() -> str | None:
    root = Path(harness.__file__).resolve().parents[1]
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def _machine() -> rec.Machine:
    return rec.Machine(
        hostname=socket.gethostname(),
        cpus=os.cpu_count() or 0,
        system=f"{pyplatform.system()} {pyplatform.release()}",
        python=pyplatform.python_version(),
    )

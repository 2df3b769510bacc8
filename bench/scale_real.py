"""Measurement at scale, for real (issue 15, deliverable 4): one scenario of `--scale-real-seconds`
(10 minutes by default) through `shopchaos run`'s own code, at the load generator's ceiling,
against a stack that costs almost nothing (bench/stacks/ok: HAProxy in front of two HAProxy
replicas answering `200 ok` by themselves), with a replica kill in the middle.

The run happens in a child process (`python -m bench.scale_real SCENARIO WORK`) that calls
`harness.cli.main(["run", …])` in-process, so its peak memory (ru_maxrss of RUSAGE_SELF: not
the load processes, not the stack) is the harness's alone. In that child the runner's assess(),
its timeline writer and the command's report writer are wrapped with a timer (the same
functions, called once each; the child refuses to report a figure it did not see measured).

Opt-in (`python -m bench --only scale_real`): at 10 minutes it would add half of `make bench`.
"""

from __future__ import annotations

import cProfile
import functools
import gc
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bench.scale import ASSESS_GOAL_MB, ASSESS_GOAL_S, REQUESTS
from harness.record.model import RunRecord

DEFAULT_SECONDS = 600.0
MIN_SECONDS = 15.0  # a baseline of 5 s, a kill of 2 s and some observation
USERS = 32  # as bench/scaling.py: enough to keep every load process busy
WARMUP = 5.0
ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "bench" / "stacks" / "ok" / "stack.yaml"
CHILD_FIGURES = "child.json"
# a file: where the child writes assess()'s cProfile stats (`python -m pstats FILE`); the
# profiler slows assess(), so a profiled run's times are not figures
PROFILE_ENV = "SHOPCHAOS_BENCH_PROFILE"

F = TypeVar("F", bound=Callable[..., Any])


def default_workers(cpus: int | None) -> int:
    """One load process per core: the ceiling here (more processes than cores are slower)."""
    return max(1, cpus or 1)


def phase_lengths(seconds: float) -> tuple[float, float, float, float]:
    """warmup, baseline, kill duration, observe for a trial of `seconds`: half of what follows
    the warmup is baseline, the replica stays dead 5 % of the trial (2 to 10 s), the rest is
    observation."""
    if seconds < MIN_SECONDS:
        raise ValueError(f"a trial of {seconds:g} s is too short (at least {MIN_SECONDS:g} s)")
    rest = seconds - WARMUP
    baseline = round(rest / 2, 1)
    fault = round(min(10.0, max(2.0, seconds * 0.05)), 1)
    observe = round(rest - baseline - fault, 1)
    return WARMUP, baseline, fault, observe


def scenario_doc(seconds: float, workers: int) -> dict[str, Any]:
    """The scenario the step runs: closed-loop users with no think time, a replica SIGKILLed
    half-way and started again, the usual promises."""
    warmup, baseline, fault, observe = phase_lengths(seconds)
    return {
        "name": "scale-real",
        "description": f"{seconds:g} s at the load generator's ceiling, one replica killed",
        "load": {"users": USERS, "spawn_rate": USERS, "workers": workers},
        "phases": {"warmup": warmup, "baseline": baseline, "observe": observe},
        "faults": [
            {"id": "kill-ok-2", "type": "kill", "target": {"instance": "ok-2"}, "duration": fault}
        ],
        "expect": {"max_errors_per_fault": 10, "recovers": True},
    }


def scale_real(
    work: Path, *, seconds: float = DEFAULT_SECONDS, workers: int | None = None
) -> dict[str, Any]:
    """Run the scenario in a child process; its figures, and the run's, from what it wrote."""
    workers = workers or default_workers(os.cpu_count())
    work.mkdir(parents=True, exist_ok=True)
    scenario = work / "scale-real.yaml"
    scenario.write_text(yaml.safe_dump(scenario_doc(seconds, workers), sort_keys=False))
    log = work / "scale-real.log"
    # the child, and the load processes it starts, import bench.* (the user class) from ROOT
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}
    started = time.monotonic()
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.scale_real", str(scenario), str(work)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=env,
        )
        code = _wait(child, deadline=seconds + 900, work=work)  # bring-up, assess, reports, down
    wall = time.monotonic() - started
    figures_path = work / CHILD_FIGURES
    if not figures_path.exists():
        tail = log.read_text(errors="replace")[-600:]
        raise RuntimeError(f"the run exited {code} without figures; log ends: {tail}")
    return _figures_of(work, figures_path, seconds=seconds, workers=workers, wall=wall)


def _wait(child: subprocess.Popen[bytes], *, deadline: float, work: Path) -> int:
    """The child's exit code. Past the deadline: SIGTERM (the harness unwinds: faults reverted,
    record written, the stack taken down), then SIGKILL and `shopchaos down` of its stack."""
    try:
        return child.wait(deadline)
    except subprocess.TimeoutExpired:
        child.terminate()
        try:
            child.wait(120)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(10)
            down = ["down", "--stack", str(STACK), "--state-dir", str(work / "state")]
            subprocess.run(
                [sys.executable, "-m", "harness", *down], cwd=ROOT, timeout=120, check=False
            )
        raise RuntimeError(f"the run took longer than {deadline:g} s; stopped") from None


def _figures_of(
    work: Path, figures_path: Path, *, seconds: float, workers: int, wall: float
) -> dict[str, Any]:
    from harness.record import io as record_io

    child = json.loads(figures_path.read_text())
    run_dir = Path(child["run_dir"])
    record = record_io.read(run_dir)
    trial = record.scenarios[0].trials[0]
    timeline = run_dir / (trial.timeline_csv or "")
    return figures(
        record,
        child,
        requests=count_requests(timeline) if trial.timeline_csv else 0,
        sizes={
            "record_mb": _mb(run_dir / "record.json"),
            "timeline_mb": _mb(timeline) if trial.timeline_csv else None,
            "report_mb": _mb(run_dir / "report.html"),
        },
        seconds=seconds,
        workers=workers,
        step_seconds=wall,
    )


def figures(
    record: RunRecord,
    child: dict[str, Any],
    *,
    requests: int,
    sizes: dict[str, float | None],
    seconds: float,
    workers: int,
    step_seconds: float,
) -> dict[str, Any]:
    """The step's figures from the run record (a RunRecord of one scenario, one trial) and what
    the child measured. Goals are judged only for a trial of at least 1 M requests: a shorter
    run says nothing about a million."""
    trial = record.scenarios[0].trials[0]
    span = trial.phases.end if trial.phases else None  # seconds from t0, warmup included
    fault = trial.faults[0].metrics if trial.faults else None
    at_scale = requests >= REQUESTS
    return {
        "seconds": seconds,
        "workers": workers,
        "users": USERS,
        "requests": requests,
        "rps": round(requests / span, 1) if span else None,
        "baseline_rps": round(trial.baseline.rps, 1) if trial.baseline else None,
        "run_seconds": child["run_seconds"],
        "step_seconds": round(step_seconds, 1),
        "assess_seconds": child["assess_seconds"],
        "assess_cpu_seconds": child.get("assess_cpu_seconds"),
        "assess_gc_seconds": child.get("assess_gc_seconds"),
        "peak_mb_at_assess": child["peak_mb_at_assess"],
        "peak_mb": child["peak_mb"],
        "timeline_write_seconds": child["timeline_seconds"],
        "reports_seconds": child["reports_seconds"],
        **sizes,
        "status": trial.status.value,
        "exit_code": child["exit_code"],
        "evidence": sorted({e.code for e in trial.evidence}),
        "evidence_messages": [e.message for e in trial.evidence],
        "errors": fault.errors if fault else None,
        "recovery": fault.recovery if fault else None,
        "time_to_recover": fault.time_to_recover if fault else None,
        "at_scale": at_scale,
        "assess_goal_met": child["assess_seconds"] < ASSESS_GOAL_S if at_scale else None,
        "memory_goal_met": child["peak_mb"] < ASSESS_GOAL_MB if at_scale else None,
    }


def count_requests(timeline: Path) -> int:
    """Requests recorded: the timeline's rows (one per request; its header not counted)."""
    with gzip.open(timeline, "rt", encoding="utf-8") as fh:
        return max(0, sum(1 for _ in fh) - 1)


def _mb(path: Path) -> float | None:
    return round(path.stat().st_size / 1e6, 2) if path.exists() else None


def _peak_mb() -> float:
    """This process's own peak resident set (Linux: KiB), children excluded."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Timed:
    """Wraps a function to time its calls (wall seconds, the CPU seconds of the calling thread:
    what a busy machine does not inflate, and the seconds the cyclic GC ran during each) and
    note the peak memory after each."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self.cpu_seconds: list[float] = []
        self.gc_seconds: list[float] = []
        self.peak_mb: list[float] = []
        self._gc_began = 0.0
        self._in_gc = 0.0

    def _gc(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self._in_gc += time.perf_counter() - self._gc_began

    def wrap(self, fn: F) -> F:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started, cpu = time.perf_counter(), time.thread_time()
            self._in_gc = 0.0
            gc.callbacks.append(self._gc)
            try:
                return fn(*args, **kwargs)
            finally:
                gc.callbacks.remove(self._gc)
                self.seconds.append(time.perf_counter() - started)
                self.cpu_seconds.append(time.thread_time() - cpu)
                self.gc_seconds.append(self._in_gc)
                self.peak_mb.append(_peak_mb())

        return timed  # type: ignore[return-value]

    def once(self, what: str) -> tuple[float, float]:
        if len(self.seconds) != 1:
            raise RuntimeError(f"{what} ran {len(self.seconds)} times, not once")
        return round(self.seconds[0], 3), round(self.peak_mb[0], 1)


def profiled(fn: F, path: str) -> F:
    """`fn`, its calls profiled, the stats of the last one written to `path`."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        profile = cProfile.Profile()
        try:
            return profile.runcall(fn, *args, **kwargs)
        finally:
            profile.dump_stats(path)

    return run  # type: ignore[return-value]


def _child(scenario: Path, work: Path) -> dict[str, Any]:
    """In the child: `shopchaos run` in this process, three of its steps timed."""
    from harness import cli
    from harness.commands import run_cmd
    from harness.scenario import runner

    assess, timeline, reports = _Timed(), _Timed(), _Timed()
    if where := os.environ.get(PROFILE_ENV):  # inside the timer: it times the profiled call
        name = "assess"
        setattr(runner, name, profiled(getattr(runner, name), where))
    for module, name, timer in (
        (runner, "assess", assess),
        (runner, "write_timeline_csv", timeline),
        (run_cmd, "write_all", reports),
    ):
        setattr(module, name, timer.wrap(getattr(module, name)))  # the name the caller looks up
    out = work / "reports"
    argv = [
        "run",
        str(scenario),
        "--stack",
        str(STACK),
        "--state-dir",
        str(work / "state"),
        "--reports",
        str(out),
        "--entry-port",
        "0",
        "--toxiproxy-port",
        "0",
        "--seed",
        "1",
        "--down",
    ]
    started = time.monotonic()
    code = cli.main(argv)
    run_seconds = time.monotonic() - started
    runs = [p for p in out.iterdir() if p.is_dir()] if out.exists() else []
    if len(runs) != 1:
        raise RuntimeError(f"shopchaos run exited {code} and left {len(runs)} run directories")
    assess_s, assess_mb = assess.once("assess()")
    return {
        "exit_code": code,
        "run_dir": str(runs[0]),
        "run_seconds": round(run_seconds, 1),
        "assess_seconds": assess_s,
        "assess_cpu_seconds": round(assess.cpu_seconds[0], 3),
        "assess_gc_seconds": round(assess.gc_seconds[0], 3),
        "peak_mb_at_assess": assess_mb,
        "timeline_seconds": timeline.once("the timeline writer")[0],
        "reports_seconds": reports.once("the report writer")[0],
        "peak_mb": round(_peak_mb(), 1),
    }


if __name__ == "__main__":
    where = Path(sys.argv[2])
    (where / CHILD_FIGURES).write_text(json.dumps(_child(Path(sys.argv[1]), where)))

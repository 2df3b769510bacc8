"""The load ceiling scales: req/s from 1, 2 and N load processes against a target that costs
almost nothing (bench/target.py), so the load generator is the bottleneck; and the harness's
own cost (per-request recording + probes) with one process, in alternating pairs.

"1" is the single load process the harness runs by default; "N" is Locust's master with N
workers (load.workers: N). Every count runs once per round, the order reversed every other
round, and the speed-up is taken within each round (the machine is shared and noisy).
"""

from __future__ import annotations

import csv
import io
import os
import time
from pathlib import Path
from typing import Any

import psutil

from bench._common import cpu_seconds, floor_ratio, spread
from bench.target import Target, haproxy_ok
from harness.events import NO_EVENTS
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.load.process import LoadConfig, LoadProcess
from harness.platforms.base import Endpoints
from harness.probes import LbProbe, Poller
from harness.probing.runner import PhaseClock, ProbeThread, health_probe

USERS = 32
WARM = 1.0  # seconds after t0 not counted (the users are spawning)
SETTLE = 0.25  # seconds of each overhead window not counted (the switch reaching the load)
FRONTEND = "ok"  # bench/target.py's frontend
Window = tuple[float, float, float]  # req/s, load process CPU us per request, harness cores


def counts_for(cpus: int | None) -> list[int]:
    """1, 2 and N: N = the cores, at least 4 (on 2 cores, what more processes than cores do)."""
    return sorted({1, 2, max(4, cpus or 1)})


def scaling(
    work: Path,
    *,
    seconds: float = 10.0,
    rounds: int = 5,
    pairs: int = 10,
    pair_seconds: float = 1.5,
    counts: list[int] | None = None,
) -> dict[str, Any]:
    counts = counts or counts_for(os.cpu_count())
    rps: dict[int, list[float]] = {n: [] for n in counts}
    cores: dict[int, list[float]] = {n: [] for n in counts}
    with haproxy_ok(work / "target") as target:
        for r in range(rounds):
            for n in counts if r % 2 == 0 else list(reversed(counts)):
                rate, used = steady_rate(target, work, workers=n, seconds=seconds)
                rps[n].append(rate)
                cores[n].append(used)
        overhead = harness_overhead(target, work, pairs=pairs, seconds=pair_seconds)
    speedup = {
        str(n): spread([rps[n][i] / rps[1][i] for i in range(rounds)]) for n in counts if n != 1
    }
    per_core = {n: [r / c for r, c in zip(rps[n], cores[n], strict=True) if c > 0] for n in counts}
    return {
        "counts": counts,
        "users": USERS,
        "seconds": seconds,
        "rounds": rounds,
        "rps": {str(n): spread(v) for n, v in rps.items()},
        "load_cores": {str(n): spread(v) for n, v in cores.items()},
        # requests per CPU-second of the load processes: what distributing costs, even on a
        # machine too busy to give every process its core
        "rps_per_core": {str(n): spread(v) for n, v in per_core.items()},
        "speedup": speedup,
        "overhead": overhead,
    }


def steady_rate(target: Target, work: Path, *, workers: int, seconds: float) -> tuple[float, float]:
    """Recorded requests per second once the users are up, and the cores the load processes
    used meanwhile (CPU seconds / wall seconds of the master and workers)."""
    config = LoadConfig(
        host=target.url,
        user_classes="bench.users:MaxRateOk",
        users=USERS,
        spawn_rate=USERS,
        max_seconds=seconds + 60,
        max_requests=10**8,
        workers=workers,
    )
    load = LoadProcess(config, log=work / f"scaling-{workers}.log")
    try:
        t0 = load.start()
        procs = [psutil.Process(pid) for pid in load.pids]
        time.sleep(WARM)
        cpu0, wall0 = cpu_seconds(procs), time.monotonic()
        time.sleep(max(0.5, seconds - WARM))
        cpu1, wall1 = cpu_seconds(procs), time.monotonic()
    finally:
        load.stop()
    window = (t0 + WARM, t0 + seconds)
    counted = sum(1 for r in load.snapshot() if window[0] <= r.t < window[1])
    return counted / (window[1] - window[0]), (cpu1 - cpu0) / (wall1 - wall0)


PARTS = ("record", "probes")  # what the harness does to a load: its stream, its probes


def _alternating_load(target: Target, *, pairs: int, seconds: float, record: bool) -> LoadConfig:
    """One load process at full speed against `target`, long enough for `pairs` pairs of
    `seconds` windows (and its start), for a bench that switches it window by window."""
    return LoadConfig(
        host=target.url,
        user_classes="bench.users:MaxRateOk",
        users=USERS,
        spawn_rate=USERS,
        max_seconds=2 * pairs * seconds + 60,
        max_requests=10**9,
        record=record,
    )


def harness_overhead(
    target: Target,
    work: Path,
    *,
    pairs: int,
    seconds: float,
    settle: float = SETTLE,
    parts: tuple[str, ...] = PARTS,
) -> dict[str, Any]:
    """One load process at full speed, in alternating windows of one run: recorded and probed
    in one window (the harness's stream, the health and LB probes), only counted in the next,
    the order swapped every pair. Requests per window come from the target's own counter
    (HAProxy's req_tot, the health probe's own requests taken away), so both modes are counted
    alike. Windows of one run, not separate runs: on this shared machine one load process's
    CPU per request moved between 250 and 400 us from one 6 s run to the next (even with the
    processes pinned to cores), far more than the effect measured. Besides req/s, the CPU the
    load process spent per request and the cores the harness's own process used. `parts`:
    what the harness windows switch on (both by default; one alone for overhead_split)."""
    config = _alternating_load(target, pairs=pairs, seconds=seconds, record=False)
    windows: dict[bool, list[Window]] = {True: [], False: []}
    runtime = HAProxyRuntime(target.runtime)
    me = psutil.Process()
    with LoadProcess(config, log=work / "overhead.log") as load:
        load.start()
        procs = [psutil.Process(pid) for pid in load.pids]
        time.sleep(WARM)
        for i in range(pairs):
            got = {}
            for harness in (True, False) if i % 2 == 0 else (False, True):
                got[harness] = _window(
                    target, load, runtime, procs, me, parts=parts if harness else (),
                    seconds=seconds, settle=settle,
                )  # fmt: skip
                windows[harness].append(got[harness])
    paired = list(zip(windows[True], windows[False], strict=True))
    rates = [(w[0], wo[0]) for w, wo in paired]
    return {
        "with_harness_rps": spread([w[0] for w in windows[True]]),
        "without_rps": spread([w[0] for w in windows[False]]),
        "ratio": spread([a / b for a, b in rates]),
        "floor_ratio": floor_ratio(rates),
        "cpu_cost": cpu_cost(paired),
        "load_cpu_us_per_request": {
            "with": spread([w[1] for w in windows[True]]),
            "without": spread([w[1] for w in windows[False]]),
        },
        "harness_cores": {
            "with": spread([w[2] for w in windows[True]]),
            "without": spread([w[2] for w in windows[False]]),
        },
        "pairs": pairs,
        "seconds": seconds,
        "windows": "alternating windows of one run",
        "parts": list(parts),
        # every window as measured (req/s, load CPU us per request, harness cores), pair by pair
        "raw": {"with": windows[True], "without": windows[False]},
    }


def gc_tuning(work: Path, *, pairs: int = 20, seconds: float = 1.5) -> dict[str, Any]:
    """One recording load process at full speed against its own target, in alternating windows
    of one run: its cyclic GC tuned as load processes run it, then Python's default, the order
    swapped every pair. Requests per window from the target's own count, and the load process's
    CPU per request: what the tuning gives one process's ceiling."""
    windows: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    with haproxy_ok(work / "target") as target:
        config = _alternating_load(target, pairs=pairs, seconds=seconds, record=True)
        runtime = HAProxyRuntime(target.runtime)
        me = psutil.Process()
        with LoadProcess(config, log=work / "gc.log") as load:
            load.start()
            procs = [psutil.Process(pid) for pid in load.pids]
            time.sleep(WARM)
            for i in range(pairs):
                for tuned in (True, False) if i % 2 == 0 else (False, True):
                    load.set_gc(tuned)
                    time.sleep(SETTLE)
                    served0, cpu0, _, wall0 = _mark(runtime, procs, me)
                    time.sleep(seconds - SETTLE)
                    served1, cpu1, _, wall1 = _mark(runtime, procs, me)
                    count = max(served1 - served0, 1)
                    windows[tuned].append((count / (wall1 - wall0), (cpu1 - cpu0) / count * 1e6))
    paired = list(zip(windows[True], windows[False], strict=True))
    return {
        "pairs": pairs,
        "seconds": seconds,
        "tuned_rps": spread([w[0] for w in windows[True]]),
        "default_rps": spread([w[0] for w in windows[False]]),
        # tuned / default: > 1 is what the tuning gives (req/s), < 1 what it saves (CPU)
        "rps_ratio": floor_ratio([(t[0], d[0]) for t, d in paired], q=0.5),
        "cpu_ratio": floor_ratio([(t[1], d[1]) for t, d in paired], q=0.5),
        "raw": {"tuned": windows[True], "default": windows[False]},
    }


def cpu_cost(paired: list[tuple[Window, Window]]) -> dict[str, Any]:
    """What the harness costs in CPU, pair by pair, as a share of what one request costs the
    load process without it: the load process's extra CPU per request (recording) and the
    harness process's CPU per request (reading the stream, probing). CPU time is not what a
    busy neighbour takes (steal), so it is less noisy than req/s; the sum is the overhead when
    the harness's process has no core of its own, the load process's part when it has one.
    Ratios of the medians (floor_ratio at q = 0.5) with their 90 % intervals."""
    counted = [(w, wo) for w, wo in paired if w[0] > 0 and wo[0] > 0]
    load = [(w[1], wo[1]) for w, wo in counted]  # us per request
    harness = [(w[2] / w[0] * 1e6, wo[2] / wo[0] * 1e6) for w, wo in counted]
    return {
        "load": floor_ratio(load, q=0.5),  # with / without: > 1 is the recording's cost
        "harness_us_per_request": spread([a - b for a, b in harness]),
        "total": floor_ratio(
            [(lw + hw, lwo + hwo) for (lw, lwo), (hw, hwo) in zip(load, harness, strict=True)],
            q=0.5,
        ),
    }


def _window(
    target: Target,
    load: LoadProcess,
    runtime: HAProxyRuntime,
    procs: list[psutil.Process],
    me: psutil.Process,
    *,
    parts: tuple[str, ...],
    seconds: float,
    settle: float,
) -> tuple[float, float, float]:
    """One window: switch the recording and the probes (`parts`; none: only counted), let the
    switch settle, then count. Returns req/s, the load process's CPU microseconds per request
    and this process's cores."""
    load.set_recording("record" in parts)
    health: ProbeThread | None = None
    probes: list[Poller] = []
    if "probes" in parts:
        meta, executor = health_probe(_endpoints(target), "/healthz")
        health = ProbeThread(meta, executor, PhaseClock(), NO_EVENTS, always=True)
        probes = [health, LbProbe(target.runtime, target.backend)]
    for p in probes:
        p.start()
    try:
        time.sleep(settle)
        served0, cpu0, mine0, wall0 = _mark(runtime, procs, me)
        time.sleep(seconds - settle)
        served1, cpu1, mine1, wall1 = _mark(runtime, procs, me)
    finally:
        for p in probes:
            p.stop()
    # the health probe's own requests, which the target counted too
    samples = health.observed().samples if health is not None else ()
    probed = sum(1 for r in samples if wall0 <= r.t < wall1)
    count = served1 - served0 - probed
    return (
        count / (wall1 - wall0),
        (cpu1 - cpu0) / max(count, 1) * 1e6,
        (mine1 - mine0) / (wall1 - wall0),
    )


def _mark(
    runtime: HAProxyRuntime, procs: list[psutil.Process], me: psutil.Process
) -> tuple[int, float, float, float]:
    """Requests served, the load's CPU seconds, this process's, and the time, now."""
    return _served(runtime), cpu_seconds(procs), cpu_seconds([me]), time.time()


def _served(runtime: HAProxyRuntime) -> int:
    """Requests the target's frontend has received so far (HAProxy's own count)."""
    for row in csv.DictReader(io.StringIO(runtime.command(f"show stat {FRONTEND} 1 -1")[2:])):
        if row.get("svname") == "FRONTEND":
            return int(row["req_tot"])
    raise RuntimeError(f"HAProxy has no frontend {FRONTEND!r}")


def _endpoints(target: Target) -> Endpoints:
    """The bench target as the probes see a stack: its entry, LB runtime and backend."""
    return Endpoints(
        entry_url=target.url,
        toxiproxy_url="http://127.0.0.1:1",
        lb_runtime=target.runtime,
        lb_backend=target.backend,
        instances=(),
        proxies={},
        database_url="",
    )


def overhead_split(work: Path, *, pairs: int, seconds: float = 1.5) -> dict[str, Any]:
    """The overhead's parts one at a time, as harness_overhead measures both: the record stream
    alone, then the probes alone, each against windows that only count (opt-in:
    `--only overhead_split`). Whether the two cost more together than apart is read against the
    scaling step's overhead, measured in another run."""
    with haproxy_ok(work / "target") as target:
        return {
            part: harness_overhead(target, work, pairs=pairs, seconds=seconds, parts=(part,))
            for part in PARTS
        }

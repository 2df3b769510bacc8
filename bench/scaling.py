"""The load ceiling scales: req/s from 1, 2 and N load processes against a target that costs
almost nothing (bench/target.py), so the load generator is the bottleneck; and the harness's
own cost (per-request recording + probes) with one process, in alternating pairs.

"1" is the single load process the harness runs by default; "N" is Locust's master with N
workers (load.workers: N). Every count runs once per round, the order reversed every other
round, and the speed-up is taken within each round (the machine is shared and noisy).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import psutil

from bench._common import spread
from bench.target import Target, haproxy_ok
from harness.events import NO_EVENTS
from harness.load.process import LoadConfig, LoadProcess
from harness.platforms.base import Endpoints
from harness.probes import LbProbe
from harness.probing.runner import PhaseClock, ProbeThread, health_probe

USERS = 32
WARM = 1.0  # seconds after t0 not counted (the users are spawning)


def counts_for(cpus: int | None) -> list[int]:
    """1, 2 and N: N = the cores, at least 4 (on 2 cores, what more processes than cores do)."""
    return sorted({1, 2, max(4, cpus or 1)})


def scaling(
    work: Path,
    *,
    seconds: float = 10.0,
    rounds: int = 3,
    pairs: int = 10,
    pair_seconds: float = 6.0,
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
        cpu0, wall0 = _cpu(procs), time.monotonic()
        time.sleep(max(0.5, seconds - WARM))
        cpu1, wall1 = _cpu(procs), time.monotonic()
    finally:
        load.stop()
    window = (t0 + WARM, t0 + seconds)
    counted = sum(1 for r in load.snapshot() if window[0] <= r.t < window[1])
    return counted / (window[1] - window[0]), (cpu1 - cpu0) / (wall1 - wall0)


def _cpu(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total


def harness_overhead(target: Target, work: Path, *, pairs: int, seconds: float) -> dict[str, Any]:
    """One load process at full speed with the harness's recording and probes, and without
    (Locust's own count), in alternating pairs. Besides req/s, the CPU the load process spent
    per request and the cores the harness's own process used (the reader thread and probes):
    figures a busy machine distorts less than throughput."""
    runs: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
    ratios = []
    for i in range(pairs):
        order = (True, False) if i % 2 == 0 else (False, True)
        got = {mode: locust_rate(target, work, harness=mode, seconds=seconds) for mode in order}
        for mode, figures in got.items():
            runs[mode].append(figures)
        ratios.append(got[True][0] / got[False][0])
    return {
        "with_harness_rps": spread([r[0] for r in runs[True]]),
        "without_rps": spread([r[0] for r in runs[False]]),
        "ratio": spread(ratios),
        "load_cpu_us_per_request": {
            "with": spread([r[1] for r in runs[True]]),
            "without": spread([r[1] for r in runs[False]]),
        },
        "harness_cores": {
            "with": spread([r[2] for r in runs[True]]),
            "without": spread([r[2] for r in runs[False]]),
        },
        "pairs": pairs,
        "seconds": seconds,
    }


def locust_rate(
    target: Target, work: Path, *, harness: bool, seconds: float
) -> tuple[float, float, float]:
    """Requests per second by Locust's own count over the whole run (both modes alike); the
    load process's CPU microseconds per request; the cores this (the harness's) process used."""
    config = LoadConfig(
        host=target.url,
        user_classes="bench.users:MaxRateOk",
        users=USERS,
        spawn_rate=USERS,
        max_seconds=seconds + 60,
        max_requests=10**8,
        record=harness,
    )
    load = LoadProcess(config, log=work / "overhead.log")
    meta, health = health_probe(_endpoints(target), "/healthz")
    probes = [
        ProbeThread(meta, health, PhaseClock(), NO_EVENTS, always=True),
        LbProbe(target.runtime, target.backend),
    ]
    me = psutil.Process()
    started = load.start()
    try:
        procs = [psutil.Process(pid) for pid in load.pids]
        cpu0, mine0, wall0 = _cpu(procs), _cpu([me]), time.monotonic()
        if harness:
            for p in probes:
                p.start()
        time.sleep(seconds)
        cpu1, mine1, wall1 = _cpu(procs), _cpu([me]), time.monotonic()
    finally:
        load.stop()
        if harness:
            for p in probes:
                p.stop()
    total = next(s for s in load.states if s.what == "total")
    stopped = next(s for s in load.states if s.what == "stopped")
    count = float(total.value or 0)
    return (
        count / (stopped.t - started),
        (cpu1 - cpu0) / max(count, 1.0) * 1e6,
        (mine1 - mine0) / (wall1 - wall0),
    )


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

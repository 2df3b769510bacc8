"""What every benchmark needs: a private stack, running a scenario given as a dict, pollers
that record ground truth, and small statistics."""

from __future__ import annotations

import random
import socket
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform
from harness.record.model import RunRecord
from harness.scenario.loader import LoadedScenario
from harness.scenario.runner import RunOptions, SilentUI, run
from harness.scenario.schema import Scenario
from harness.stack.loader import load_stack


@contextmanager
def stack(state_dir: Path, options: StackOptions | None = None) -> Iterator[LocalPlatform]:
    spec, path = load_stack()
    platform = LocalPlatform(spec, state_dir, spec_path=path, entry_port=0, toxiproxy_port=0)
    platform.up(options or StackOptions())
    try:
        yield platform
    finally:
        platform.down()


def run_scenario(
    platform: LocalPlatform, doc: dict[str, Any], reports: Path, *, repeat: int = 1, seed: int = 1
) -> RunRecord:
    scenario = Scenario.model_validate(doc)
    opts = RunOptions(reports_dir=reports, seed=seed, repeat=repeat, keep_stack=True)
    record, _ = run(
        [LoadedScenario(scenario, Path(f"bench:{scenario.name}"))], platform, opts, SilentUI()
    )
    return record


@dataclass
class Poller:
    """Ground truth at 20 ms: when an instance stops accepting connections, and the load
    balancer's state of each server, each change with its time."""

    address: str  # host:port of the instance to watch
    lb_runtime: str
    backend: str
    interval: float = 0.02
    refused_at: float | None = None
    lb_changes: list[tuple[float, str, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Poller:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    def _loop(self) -> None:
        host, _, port = self.address.rpartition(":")
        runtime = HAProxyRuntime(self.lb_runtime, timeout=0.5)
        last: dict[str, str] = {}
        while not self._stop.is_set():
            t = time.time()
            if self.refused_at is None:
                try:
                    socket.create_connection((host, int(port)), timeout=0.2).close()
                except OSError:
                    self.refused_at = t
            try:
                for s in runtime.servers(self.backend):
                    if last.get(s.server) != s.status:
                        last[s.server] = s.status
                        self.lb_changes.append((t, s.server, s.status))
            except Exception:  # a missed poll is only a gap in the truth
                pass
            self._stop.wait(max(0.0, self.interval - (time.time() - t)))

    def lb_down(self, server: str, after: float) -> float | None:
        return next(
            (t for t, s, st in self.lb_changes if s == server and st != "UP" and t >= after), None
        )


def spread(values: Sequence[float | None]) -> dict[str, float | int | None]:
    v = sorted(x for x in values if x is not None)
    if not v:
        return {"n": len(values), "median": None, "min": None, "max": None}
    return {
        "n": len(values),
        "median": statistics.median(v),
        "min": v[0],
        "max": v[-1],
        "missing": len(values) - len(v),
    }


def floor_ratio(
    pairs: Sequence[tuple[float, float]], *, q: float = 0.25, rounds: int = 2000, seed: int = 1
) -> dict[str, float | int]:
    """The q-quantile of the pairs' first values over that of their second, and its 90 %
    bootstrap interval (pairs resampled whole). This machine's CPU runs at a steady floor speed
    with bursts up to 1.2-1.8x of it (bench/costs.py measures it), so a
    throughput's noise is one-sided: low quantiles compare the two at the floor, where the
    bursts' noise is not, and the interval says how sure that comparison is."""

    cut = round(q * 100) - 1  # statistics.quantiles' percentiles: numpy's linear default

    def low(values: list[float]) -> float:
        return statistics.quantiles(values, n=100, method="inclusive")[cut]

    def estimate(sample: Sequence[tuple[float, float]]) -> float:
        return low([a for a, _ in sample]) / low([b for _, b in sample])

    rng = random.Random(seed)
    boot = sorted(estimate([rng.choice(pairs) for _ in pairs]) for _ in range(rounds))
    return {
        "estimate": estimate(pairs),
        "low": boot[int(0.05 * rounds)],
        "high": boot[int(0.95 * rounds) - 1],
        "q": q,
        "n": len(pairs),
    }


def load_rate(
    platform: LocalPlatform,
    work: Path,
    *,
    users: int,
    seconds: float,
    record: bool,
    probes: bool = False,
) -> float:
    """Requests per second the MaxRate user class reaches (Locust's own count)."""
    from harness.events import NO_EVENTS
    from harness.load.process import LoadConfig, LoadProcess
    from harness.probes import LbProbe
    from harness.probing.runner import PhaseClock, ProbeThread, health_probe

    e = platform.endpoints()
    config = LoadConfig(
        host=e.entry_url,
        user_classes="bench.users:MaxRate",
        users=users,
        spawn_rate=users,
        max_seconds=seconds + 30,
        max_requests=10**7,
        record=record,
    )
    load = LoadProcess(config, log=work / "max-rate-load.log")
    meta, health = health_probe(e, "/healthz")
    running = [
        ProbeThread(meta, health, PhaseClock(), NO_EVENTS, always=True),
        LbProbe(e.lb_runtime, e.lb_backend),
    ]
    started = load.start()
    if probes:
        for p in running:
            p.start()
    time.sleep(seconds)
    load.stop()
    if probes:
        for p in running:
            p.stop()
    total = next(s for s in load.states if s.what == "total")
    stopped = next(s for s in load.states if s.what == "stopped")
    return float(total.value or 0) / (stopped.t - started)


def cpu_seconds(procs: Sequence[psutil.Process]) -> float:
    """CPU seconds (user + system) the processes have used so far; one gone counts nothing."""
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            continue
    return total

"""Load from several processes and machines on Locust's own distributed runner.

`launch` starts the master (harness/load/_locust_master.py), learns its port, and starts the
local workers (harness/load/_locust_worker.py), each streaming its requests on its own pipe;
remote workers join with `shopchaos load-worker --master HOST:PORT` and stream through the
master, which corrects their times onto this machine's clock (harness/load/clock.py). Users and
spawn rate are split by Locust's master. Every process runs in its own session, stops when its
stdin closes, and is bounded by the config's max_seconds and max_requests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from harness.errors import LoadError
from harness.load import wire
from harness.load._stream import Sink, Stream
from harness.load.clock import ClockEstimate, too_uncertain
from harness.load.wire import StateChange
from harness.measure.timeline import RequestRecord

if TYPE_CHECKING:
    from harness.load.process import LoadConfig

START_MARGIN = 30.0  # seconds for the clock round trips and the first spawn after joining


class _StateWaiter(Sink, Protocol):
    def wait_state(self, what: str, timeout: float) -> StateChange | None: ...


def worker_log(log: Path, index: int) -> Path:
    """load-0.log -> load-0.worker-1.log"""
    return log.with_name(f"{log.stem}.worker-{index}{log.suffix}")


def local_master_host(master_bind: str) -> str:
    """Where local workers reach a master bound to `master_bind`."""
    host = master_bind.rpartition(":")[0]
    return "127.0.0.1" if host in ("", "*", "0.0.0.0") else host  # noqa: S104 - not a bind


def launch(
    config: LoadConfig, log: Path, sink: _StateWaiter, streams: list[Stream], timeout: float
) -> float:
    """Start the master and the local workers into `streams` (the caller stops them, also when
    this raises); return how long to wait for the master's "started"."""
    master_config = json.loads(config.to_json()) | {"join_timeout": timeout}
    master = Stream("harness.load._locust_master", name="load master", log=log, sink=sink)
    streams.append(master)
    master.start(json.dumps(master_config))
    listening = sink.wait_state("master", timeout)
    if listening is None or listening.value is None:
        raise LoadError(
            f"the load master did not start listening within {timeout:g}s; see {log}",
            hint=master.tail(),
        )
    host = local_master_host(config.master_bind)
    for i in range(config.workers):
        worker = Stream(
            "harness.load._locust_worker",
            name=f"load worker {i}",
            log=worker_log(log, i),
            sink=sink,
        )
        streams.append(worker)
        boot = {
            "master_host": host,
            "master_port": int(listening.value),
            "index": i,
            "bind": None,
            "join_timeout": timeout,
        }
        worker.start(json.dumps(boot))
    return max(timeout, config.remote_wait if config.remote_workers else 0.0) + START_MARGIN


def worker_clocks(states: Sequence[StateChange]) -> dict[str, ClockEstimate]:
    """Per remote worker: its latest clock offset, and the largest uncertainty the master
    reported for it once the users had started (the estimates its requests were corrected
    with were at least that good); before any request, the last one."""
    started = next((s.t for s in states if s.what == "started"), None)
    offsets: dict[str, list[float]] = {}
    before: dict[str, float] = {}
    during: dict[str, float] = {}
    for s in states:
        base, worker = wire.split_state(s.what)
        if worker is None or s.value is None:
            continue
        value = float(s.value)
        if base == "clock":
            offsets.setdefault(worker, []).append(value)
        elif base == "clock_err" and started is not None and s.t >= started:
            during[worker] = max(during.get(worker, 0.0), value)
        elif base == "clock_err":
            before[worker] = value
    return {
        w: ClockEstimate(
            offset=o[-1], uncertainty=during.get(w, before.get(w, 0.0)), samples=len(o)
        )
        for w, o in offsets.items()
    }


def resolution_of(requests: Sequence[RequestRecord]) -> float | None:
    """About 1 / req/s: the gap between two requests, what a moment is known to (metrics.md)."""
    if len(requests) < 2:
        return None
    span = max(r.t for r in requests) - min(r.t for r in requests)
    return span / (len(requests) - 1) if span > 0 else None


def clock_warnings(
    clocks: dict[str, ClockEstimate],
    requests: Sequence[RequestRecord],
    resolution: float | None = None,
) -> list[str]:
    """A sentence for each worker whose clock is known less precisely than the resolution."""
    resolution = resolution if resolution is not None else resolution_of(requests)
    if resolution is None:
        return []
    return [
        f"load worker {w}: its clock ({e.offset * 1000:+.1f} ms from the harness's) is known "
        f"only to ±{e.uncertainty * 1000:.1f} ms, coarser than the figures' resolution "
        f"(±{resolution * 1000:.1f} ms): its requests may sit on the wrong side of a moment"
        for w, e in sorted(too_uncertain(clocks, resolution).items())
    ]

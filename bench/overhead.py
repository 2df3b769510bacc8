"""The harness's own cost: the most req/s one Locust user class reaches with and without the
harness's per-request recording and probes, in alternating pairs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench._common import spread
from harness.load.process import LoadConfig, LoadProcess
from harness.platforms.local import LocalPlatform
from harness.probes import EntryProbe, LbProbe


def _rate(platform: LocalPlatform, work: Path, *, record: bool, seconds: float) -> float:
    e = platform.endpoints()
    config = LoadConfig(
        host=e.entry_url,
        user_classes="bench.users:MaxRate",
        users=16,
        spawn_rate=16,
        max_seconds=seconds + 30,
        max_requests=10**7,
        record=record,
    )
    load = LoadProcess(config, log=work / "overhead-load.log")
    probes = [EntryProbe(e.entry_url + "/healthz"), LbProbe(e.lb_runtime, e.lb_backend)]
    started = load.start()
    if record:
        for p in probes:
            p.start()
    time.sleep(seconds)
    load.stop()
    if record:
        for p in probes:
            p.stop()
    total = next(s for s in load.states if s.what == "total")
    stopped = next(s for s in load.states if s.what == "stopped")
    return float(total.value or 0) / (stopped.t - started)


def overhead(
    platform: LocalPlatform, work: Path, *, pairs: int = 5, seconds: float = 8.0
) -> dict[str, Any]:
    with_h, without, ratios = [], [], []
    for i in range(pairs):
        order = (True, False) if i % 2 == 0 else (False, True)
        got = {mode: _rate(platform, work, record=mode, seconds=seconds) for mode in order}
        with_h.append(got[True])
        without.append(got[False])
        ratios.append(got[True] / got[False])
    return {
        "with_harness_rps": spread(with_h),
        "without_rps": spread(without),
        "ratio": spread(ratios),
        "pairs": pairs,
        "seconds": seconds,
    }

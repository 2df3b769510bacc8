"""An error storm: what one load process holds when every request fails.

One load process at full speed, 32 users, against the bench target answering every request
`200 ok`, then against it answering every request a 503 with a 12 KB body (bench/target.py):
the load process's resident memory, sampled every 0.2 s once the users are up, and its rate.
Failures are what a trial is about, so recording them must not cost the load process much more
than recording successes: a failed request's exception, kept until the flush, holds its
traceback, the request's frames and its response (harness/load/_locust_common.py, Recorder).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import psutil

from bench.target import OK, failing, haproxy_ok
from harness.load.process import LoadConfig, LoadProcess

USERS = 32
BODY_BYTES = 12_000  # a failing answer's body: an error page (HAProxy's buffer holds 16 KB)
WARM = 1.0  # seconds after the start not sampled (the users are spawning)
EVERY = 0.2  # seconds between samples of the load process's memory


def error_storm(work: Path, *, seconds: float = 10.0) -> dict[str, Any]:
    """Every answer `200 ok`, then every answer a failure: per mode the load process's RSS
    (median and peak of the samples, MB), its requests a second and the share that failed."""
    work.mkdir(parents=True, exist_ok=True)
    body = work / "error-page.txt"
    body.write_text("x" * (BODY_BYTES - 1) + "\n")
    out: dict[str, Any] = {"seconds": seconds, "users": USERS, "body_bytes": BODY_BYTES}
    for mode, answer in (("ok", OK), ("failing", failing(body))):
        with haproxy_ok(work / mode, answer=answer) as target:
            out[mode] = _run(target.url, work / f"{mode}.log", seconds)
    return out


def _run(url: str, log: Path, seconds: float) -> dict[str, Any]:
    config = LoadConfig(
        host=url,
        user_classes="bench.users:MaxRateOk",
        users=USERS,
        spawn_rate=USERS,
        max_seconds=seconds + 60,
        max_requests=10**9,
    )
    rss: list[int] = []
    with LoadProcess(config, log=log) as load:
        t0 = load.start()
        (pid,) = load.pids
        proc = psutil.Process(pid)
        time.sleep(WARM)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            rss.append(proc.memory_info().rss)
            time.sleep(EVERY)
        t1 = time.time()
        load.stop()
        records = [r for r in load.snapshot() if t0 + WARM <= r.t < t1]
    failed = sum(1 for r in records if r.failed)
    return {
        "rss_mb": statistics.median(rss) / 2**20,
        "rss_max_mb": max(rss) / 2**20,
        "rps": len(records) / (t1 - t0 - WARM),
        "failed_share": failed / len(records) if records else None,
        "errors": sorted({r.error for r in records if r.error is not None})[:3],
    }

"""The load ceiling: Locust's most req/s vs wrk's on the same endpoint through HAProxy."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from harness.load.process import LoadConfig, LoadProcess
from harness.platforms.local import LocalPlatform


def ceiling(platform: LocalPlatform, work: Path, *, seconds: float = 10.0) -> dict[str, Any]:
    e = platform.endpoints()
    config = LoadConfig(
        host=e.entry_url,
        user_classes="bench.users:MaxRate",
        users=32,
        spawn_rate=32,
        max_seconds=seconds + 30,
        max_requests=10**7,
        record=False,
    )
    load = LoadProcess(config, log=work / "ceiling-load.log")
    started = load.start()
    time.sleep(seconds)
    load.stop()
    total = next(s for s in load.states if s.what == "total")
    stopped = next(s for s in load.states if s.what == "stopped")
    locust_rps = float(total.value or 0) / (stopped.t - started)
    out: dict[str, Any] = {"locust_rps": locust_rps, "seconds": seconds}
    wrk = shutil.which("wrk")
    if wrk is None:
        out["wrk"] = "not installed (make setup installs Debian's wrk)"
        return out
    done = subprocess.run(
        [wrk, "-t2", "-c32", f"-d{int(seconds)}s", f"{e.entry_url}/products"],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=False,
    )
    m = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if m:
        out["wrk_rps"] = float(m.group(1))
        out["locust_over_wrk"] = locust_rps / out["wrk_rps"]
    else:
        out["wrk"] = done.stdout[-300:] + done.stderr[-300:]
    return out

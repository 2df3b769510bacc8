"""The load ceiling: Locust's most req/s vs wrk's on the same endpoint through HAProxy."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from bench._common import load_rate
from harness.platforms.local import LocalPlatform


def ceiling(platform: LocalPlatform, work: Path, *, seconds: float = 10.0) -> dict[str, Any]:
    e = platform.endpoints()
    locust_rps = load_rate(platform, work, users=32, seconds=seconds, record=False)
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

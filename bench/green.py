"""Time to green: how long `up` takes to be ready, and the smoke suite's wall time."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench._common import spread
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform
from harness.scenario import loader
from harness.scenario.runner import RunOptions, SilentUI, run


def up_time(platform: LocalPlatform, *, times: int = 3) -> dict[str, Any]:
    took = []
    for _ in range(times):
        platform.down()
        started = time.monotonic()
        platform.up(StackOptions())
        took.append(time.monotonic() - started)
    return {"local_up_s": spread(took)}


def suite_time(
    platform: LocalPlatform, reports: Path, scenarios: Path, suite: str = "smoke"
) -> dict[str, Any]:
    loaded = loader.suite(scenarios, suite, platform.spec)
    started = time.monotonic()
    record, _ = run(
        loaded,
        platform,
        RunOptions(reports_dir=reports, seed=1, suite=suite, keep_stack=True),
        SilentUI(),
    )
    return {
        f"{suite}_suite_s": time.monotonic() - started,
        f"{suite}_status": record.status.value,
        f"{suite}_scenarios": len(loaded),
    }

"""Failover profiles: errors per SIGKILL of one of three replicas at a fixed load, and
delivered/offered throughput in the 3 s after the kill, for each HAProxy profile."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench._common import run_scenario, spread
from harness.platforms.local import LocalPlatform

PROFILES = ("defaults", "fast-checks", "recommended")


def failover(platform: LocalPlatform, reports: Path, *, trials: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for profile in PROFILES:
        record = run_scenario(
            platform,
            {
                "name": f"bench-failover-{profile}",
                "stack": {"lb_profile": profile},
                "load": {"users": 16, "spawn_rate": 16},
                "phases": {"warmup": "2s", "baseline": "5s", "observe": "3s"},
                "faults": [
                    {"id": "kill", "type": "kill", "target": {"group": "shop"}, "duration": "9s"}
                ],
            },
            reports,
            repeat=trials,
            seed=3,
        )
        trials_ = record.scenarios[0].trials
        ms = [t.faults[0].metrics for t in trials_]
        out[profile] = {
            "errors_per_kill": spread([float(m.errors) for m in ms]),
            "delivered_ratio_3s": spread([m.delivered_ratio for m in ms]),
            "lb_down_after_s": spread([m.lb_down_after for m in ms]),
            "time_to_recover_s": spread([m.time_to_recover for m in ms]),
            "rps": spread([t.baseline.rps if t.baseline else None for t in trials_]),
        }
    return out

"""Recovery-time accuracy against ground truth.

dependency_down: load goes straight through the payment provider's Toxiproxy listener, so every
request fails exactly while the proxy is down: truth is detection 0, recovery 0 after the
revert, an impact exactly as long as the fault. kill_detection: a 20 ms poller records when the
killed replica stops accepting connections and when HAProxy takes it out of rotation; the
harness's own figures (t_inject, the LB probe) are compared with it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from bench._common import Poller, run_scenario, spread
from harness.platforms.local import LocalPlatform


def dependency_down(
    platform: LocalPlatform, reports: Path, *, seconds: float = 5.0, trials: int = 3
) -> dict[str, Any]:
    state = platform.store.load()
    assert state is not None
    os.environ["SHOPCHAOS_BENCH_TARGET"] = f"http://127.0.0.1:{state.proxy_ports['payment']}"
    record = run_scenario(
        platform,
        {
            "name": "bench-dependency-down",
            "load": {"users": 12, "spawn_rate": 12, "user_classes": "bench.users:DependencyProbe"},
            "phases": {"warmup": "2s", "baseline": "4s", "observe": "4s"},
            "faults": [
                {"id": "down", "type": "down", "dependency": "payment", "duration": f"{seconds}s"}
            ],
        },
        reports,
        repeat=trials,
    )
    ttd_err: list[float | None] = []
    ttr_err: list[float | None] = []
    impact_err: list[float | None] = []
    rps: list[float] = []
    for t in record.scenarios[0].trials:
        f = t.faults[0]
        m = f.metrics
        assert f.t_inject is not None and f.t_revert is not None and t.baseline is not None
        rps.append(t.baseline.rps)
        if m.time_to_detect is None or m.time_to_recover is None:
            ttd_err.append(None)
            ttr_err.append(None)
            impact_err.append(None)
            continue
        ttd_err.append(m.time_to_detect * 1000)  # truth: 0
        ttr_err.append(m.time_to_recover * 1000)  # truth: 0 after the revert
        measured = (f.t_revert + m.time_to_recover) - (f.t_inject + m.time_to_detect)
        impact_err.append(abs(measured - (f.t_revert - f.t_inject)) * 1000)
    return {
        "rps": spread(rps),
        "detect_error_ms": spread(ttd_err),
        "recover_error_ms": spread(ttr_err),
        "impact_error_ms": spread(impact_err),
        "run": record.run_id,
    }


def kill_detection(platform: LocalPlatform, reports: Path, *, trials: int = 3) -> dict[str, Any]:
    e = platform.endpoints()
    target = e.instance("shop-2")
    inject_err, lb_err = [], []
    for k in range(trials):
        with Poller(target.address, e.lb_runtime, e.lb_backend) as poller:
            record = run_scenario(
                platform,
                {
                    "name": "bench-kill-detection",
                    "load": {"users": 16, "spawn_rate": 16},
                    "phases": {"warmup": "2s", "baseline": "4s", "observe": "3s"},
                    "faults": [
                        {
                            "id": "kill",
                            "type": "kill",
                            "target": {"instance": "shop-2"},
                            "duration": "4s",
                        }
                    ],
                },
                reports,
                seed=k + 1,
            )
        t = record.scenarios[0].trials[0]
        f = t.faults[0]
        assert f.t_inject is not None and f.t_apply_called is not None
        inject = t.t0 + f.t_inject
        called = t.t0 + f.t_apply_called
        if poller.refused_at is not None:
            # truth lies between the poll that still connected and the one that was refused
            inject_err.append(abs(inject - poller.refused_at) * 1000)
        truth_down = poller.lb_down("shop-2", called)
        if truth_down is not None and f.metrics.lb_down_after is not None:
            lb_err.append(abs((inject + f.metrics.lb_down_after) - truth_down) * 1000)
    return {"inject_vs_poller_ms": spread(inject_err), "lb_down_vs_poller_ms": spread(lb_err)}

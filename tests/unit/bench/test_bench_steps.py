"""The bench's own plumbing: its ground-truth cases load, and one failed step loses nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench import truth
from bench.__main__ import _step, merged
from bench.markdown import render
from harness.scenario.loader import load_file
from harness.stack.loader import load_stack
from tests.stacks import running

MACHINE = {"cpus": 2, "system": "Linux", "python": "3.11"}  # what render() prints of a run


@pytest.mark.parametrize("case", truth.CASES, ids=lambda c: f"{c.stack}/{c.scenario}")
def test_every_ground_truth_case_is_a_scenario_the_harness_accepts(case: truth.Case) -> None:
    """make bench once ran 22 minutes and then died on a case the input bounds refuse."""
    spec, _ = load_stack(running.stack_file(case.stack))
    assert load_file(running.scenario_file(case.stack, case.scenario), spec)


def test_a_failed_step_is_recorded_and_the_others_still_count() -> None:
    results: dict[str, Any] = {}

    def broken() -> dict[str, Any]:
        raise RuntimeError("the stack did not come up")

    _step(results, "truth", broken)
    _step(results, "scale", lambda: {"x": 1})
    assert results["failed"] == {"truth": "RuntimeError: the stack did not come up"}
    assert results["scale"]["x"] == 1
    table = render(
        {
            **results,
            "scale": None,
            "command": "python -m bench",
            "started": "now",
            "machine": MACHINE,
        }
    )
    assert "| truth | **failed**: RuntimeError: the stack did not come up | | |" in table


def test_a_later_only_run_takes_its_steps_from_the_earlier_runs_names() -> None:
    """latest.json named `truth` twice: in a `--only costs,scaling,truth` run and in the
    `--only truth` run that replaced its figures."""
    before = {"command": "python -m bench", "started": "06:30", "truth": {}, "chain": {}}
    first = merged(
        before,
        {"command": "python -m bench --only scaling,truth", "started": "10:47", "truth": {}},
        {"scaling", "truth"},
    )
    got = merged(
        first,
        {"command": "python -m bench --only truth", "started": "11:37", "truth": {}},
        {"truth"},
    )
    assert got["command"] == (
        "python -m bench (scaling: python -m bench --only scaling,truth, 10:47) "
        "(truth: python -m bench --only truth, 11:37)"
    )


def test_an_only_run_replaces_its_steps_in_the_full_run_and_says_so() -> None:
    """A `--only scaling` run once overwrote latest.json's twenty minutes of figures."""
    before = {
        "command": "python -m bench",
        "started": "18:27",
        "scaling": {"old": 1},
        "truth": {"kept": 1},
        "failed": {"scaling": "RuntimeError: x", "chain": "RuntimeError: y"},
    }
    run = {"command": "python -m bench --only scaling", "started": "03:30", "scaling": {"new": 1}}
    got = merged(before, run, {"scaling"})
    assert got["scaling"] == {"new": 1} and got["truth"] == {"kept": 1}
    assert got["failed"] == {"chain": "RuntimeError: y"}
    assert got["started"] == "18:27"
    assert got["command"] == "python -m bench (scaling: python -m bench --only scaling, 03:30)"
    again = {"command": "python -m bench --only scaling", "started": "04:00", "scaling": {}}
    assert merged(got, again, {"scaling"})["command"] == (
        "python -m bench (scaling: python -m bench --only scaling, 04:00)"  # 03:30's is gone
    )


def test_the_floor_ratio_finds_a_known_overhead_under_one_sided_bursts() -> None:
    """Truth by construction: the recorded mode is 2 % slower; the machine runs at its floor
    speed most of the time and bursts up to 1.8x at random, in either mode."""
    import random

    from bench._common import floor_ratio

    rng = random.Random(7)

    def speed() -> float:
        return 1.0 if rng.random() < 0.6 else rng.uniform(1.0, 1.8)

    pairs = [(3000 * 0.98 * speed(), 3000 * speed()) for _ in range(60)]
    got = floor_ratio(pairs)
    assert got["low"] <= 0.98 <= got["high"]
    assert abs(got["estimate"] - 0.98) < 0.01
    assert got["high"] - got["low"] < 0.03
    same = floor_ratio([(3000 * speed(), 3000 * speed()) for _ in range(60)])
    assert same["low"] <= 1.0 <= same["high"]


def test_the_cpu_cost_splits_a_known_cost_between_the_load_and_the_harness() -> None:
    """Truth by construction: recording adds 3 us to a 120 us request in the load process and
    the harness's own process spends 6 us a request; the machine's speed moves both modes."""
    import random

    from bench.scaling import cpu_cost

    rng = random.Random(3)
    pairs = []
    for _ in range(40):
        slow = rng.uniform(1.0, 1.6)  # this window's CPU speed, shared by the pair
        rate = 3000 / slow
        with_ = (rate, (120 + 3) * slow, 6e-6 * slow * rate)
        without = (rate, 120 * slow, 0.0)
        pairs.append((with_, without))
    got = cpu_cost(pairs)
    assert got["load"]["low"] <= 1.025 <= got["load"]["high"]
    assert got["total"]["low"] <= 1.075 <= got["total"]["high"]
    assert 6.0 <= got["harness_us_per_request"]["median"] <= 6 * 1.6


def test_the_split_overhead_renders_each_part_with_its_cpu_split() -> None:
    from bench.markdown import render
    from bench.scaling import cpu_cost

    window = (9000.0, 100.0, 0.03), (9100.0, 99.0, 0.0)
    part = {
        "pairs": 2,
        "seconds": 1.5,
        "floor_ratio": {"estimate": 0.99, "low": 0.95, "high": 1.02, "q": 0.25, "n": 2},
        "cpu_cost": cpu_cost([window, window]),
    }
    table = render(
        {
            "overhead_split": {"record": part, "probes": part, "bench_seconds": 480.0},
            "command": "python -m bench --only overhead_split",
            "started": "now",
            "machine": MACHINE,
        }
    )
    assert "| harness overhead, the record stream alone (2 alternating pairs" in table
    assert "| harness overhead, the probes alone" in table
    assert "| 0.990 (0.950-1.020) |" in table
    assert "+1.0 % (+1.0 to +1.0 %)" in table  # 100 us / 99 us: the load's extra per request


def test_a_wrong_verdict_is_kept_with_the_truth_log_of_its_trial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    monkeypatch.setattr(truth, "WRONG", tmp_path)
    trial = {"t0": 1000.0, "status": "passed", "checks": [], "faults": []}
    events = [{"event": "error", "t": 990.0}, {"event": "error", "t": 1000.5}]
    case = next(c for c in truth.CASES if c.scenario == "slow-kill")
    name = truth._keep(case, truth.TrialView(trial, events), seed=2)
    assert name == "slow-kill-seed2-1000.json"
    kept = json.loads((tmp_path / name).read_text())
    assert kept["trial"] == trial
    assert kept["truth_log"] == [{"event": "error", "t": 1000.5}]  # from a second before t0


def test_the_record_stream_row_renders_batches_and_a_run_from_before_them() -> None:
    import json
    from pathlib import Path

    from bench.costs import record_stream
    from bench.markdown import render

    kept = json.loads(Path("bench/results/latest.json").read_text())
    kept = {k: v for k, v in kept.items() if k in ("costs", "command", "started", "machine")}
    now = {**kept, "costs": {**kept["costs"], **record_stream(per_flush=50)}}
    new = (
        "line_encode_us_per_record",
        "line_decode_us_per_record",
        "listener_us_per_record",
        "forward_us_per_record",
    )
    before = {**kept, "costs": {k: v for k, v in now["costs"].items() if k not in new}}
    assert "| request record: encode (load process); decode (harness) |" in render(before)
    assert "forwarded by the master" not in render(before)
    table = render(now)
    assert "a line a request, as before: write; decode" in table
    us = now["costs"]["forward_us_per_record"]
    forwarded = f"forwarded by the master (its clock moved), a record | {us:.2f} us |"
    assert forwarded in table


def test_the_error_storm_rows_say_both_modes() -> None:
    from bench.markdown import render

    def mode(rss: float, rps: float, failed: float) -> dict[str, object]:
        return {"rss_mb": rss, "rss_max_mb": rss + 1, "rps": rps, "failed_share": failed}

    storm = {
        "seconds": 10.0,
        "users": 32,
        "body_bytes": 12_000,
        "ok": mode(52.0, 11_000.0, 0.0),
        "failing": mode(62.0, 8_300.0, 1.0),
    }
    table = render(
        {
            "storm": storm,
            "command": "x",
            "started": "now",
            "machine": MACHINE,
        }
    )
    assert "| error storm: 1 load process at its ceiling, 32 users, 10 s each |" in table
    assert "| 52 MB (peak 53 MB); 11000 req/s |" in table
    assert (
        "a 503 with a 12 KB body" in table and "| 62 MB (peak 63 MB); 8300 req/s (100%) |" in table
    )

"""bench/scale_real.py's pure parts: the scenario it runs, the figures it takes from the record,
the timer it wraps the harness's steps with, and its rows in the bench table."""

from __future__ import annotations

import gzip
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench import scale_real
from bench.__main__ import NAMES, ON_SAMPLE_SHOP, OPT_IN, main
from bench.markdown import render, scale_real_rows
from harness.record import model as rec
from harness.scenario.loader import load_file
from harness.stack.loader import load_stack


@pytest.mark.parametrize("seconds", [15.0, 20.0, 61.0, 600.0, 3600.0])
def test_the_phases_fill_the_trial_with_a_kill_of_2_to_10_seconds(seconds: float) -> None:
    warmup, baseline, fault, observe = scale_real.phase_lengths(seconds)
    assert warmup + baseline + fault + observe == pytest.approx(seconds, abs=0.2)
    assert 2.0 <= fault <= 10.0
    assert baseline > 0 and observe > 0


def test_a_trial_shorter_than_the_minimum_is_refused() -> None:
    with pytest.raises(ValueError, match="too short"):
        scale_real.phase_lengths(10.0)


def test_the_bench_refuses_a_short_trial_before_running_anything(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as e:
        main(["--only", "scale_real", "--scale-real-seconds", "5", "--no-docs"])
    assert e.value.code == 2
    assert "--scale-real-seconds: at least 15" in capsys.readouterr().err


def test_the_step_is_opt_in_and_brings_up_its_own_stack() -> None:
    assert "scale_real" in NAMES
    assert {"scale_real", "overhead_split"} == OPT_IN
    assert not OPT_IN & ON_SAMPLE_SHOP


def test_the_scenario_is_one_the_harness_accepts_for_the_bench_stack(tmp_path: Path) -> None:
    spec, _ = load_stack(scale_real.STACK)
    assert spec.load_user_classes == "bench.users:MaxRateOk"
    assert spec.services["ok"].replicas == 2  # the scenario kills ok-2
    path = tmp_path / "scale-real.yaml"
    path.write_text(yaml.safe_dump(scale_real.scenario_doc(600.0, workers=2)))
    scenario = load_file(path, spec).scenario
    assert scenario.load.workers == 2
    assert scenario.load.think_time is None  # at the ceiling
    assert scenario.faults[0].duration == 10.0
    assert scenario.phases.baseline == 297.5


def _record(*, evidence: list[str]) -> rec.RunRecord:
    kill = rec.FaultRecord(
        id="kill-ok-2",
        kind="kill",
        target="ok-2",
        self_healing=True,
        spec={},
        metrics=rec.FaultMetrics(recovery="recovered", errors=3, time_to_recover=0.25),
    )
    trial = rec.TrialRecord(
        index=0,
        seed=1,
        status=rec.Status.INCONCLUSIVE,
        started_at=100.0,
        finished_at=330.0,
        t0=100.0,
        stack={},
        evidence=[rec.Evidence(code=c, message=f"{c}!", affects="timing") for c in evidence],
        phases=rec.Phases(warmup_end=5.0, baseline_end=105.0, faults_end=115.0, end=200.0),
        baseline=rec.Baseline(
            start=5.0,
            end=105.0,
            rps=4321.04,
            error_rate=0.0,
            p50=0.001,
            p95=0.002,
            p99=0.003,
            requests=432104,
            successes=432104,
            users=32,
        ),
        faults=[kill],
    )
    return rec.RunRecord(
        run_id="r",
        status=trial.status,
        started_at=90.0,
        platform="local",
        stack="bench-ok",
        harness_version="test",
        machine=rec.Machine(hostname="h", cpus=2, system="Linux", python="3.11"),
        seed=1,
        scenarios=[
            rec.ScenarioRecord(name="scale-real", spec={}, status=trial.status, trials=[trial])
        ],
    )


CHILD = {
    "exit_code": 6,
    "run_dir": "/x",
    "run_seconds": 230.0,
    "assess_seconds": 3.5,
    "assess_cpu_seconds": 1.25,
    "peak_mb_at_assess": 700.0,
    "peak_mb": 1100.0,
    "timeline_seconds": 12.0,
    "reports_seconds": 4.0,
}


def _figures(requests: int, child: dict[str, Any] | None = None) -> dict[str, Any]:
    return scale_real.figures(
        _record(evidence=["saturated", "saturated"]),
        child or CHILD,
        requests=requests,
        sizes={"record_mb": 0.2, "timeline_mb": 30.0, "report_mb": 1.3},
        seconds=200.0,
        workers=2,
        step_seconds=250.04,
    )


def test_figures_come_from_the_record_and_the_child() -> None:
    f = _figures(860_000)
    assert f["rps"] == 4300.0  # requests over the trial's span from t0 (warmup included)
    assert f["baseline_rps"] == 4321.0
    assert f["errors"] == 3 and f["recovery"] == "recovered" and f["time_to_recover"] == 0.25
    assert f["status"] == "inconclusive" and f["exit_code"] == 6
    assert f["evidence"] == ["saturated"]  # one code once, every message kept
    assert f["evidence_messages"] == ["saturated!", "saturated!"]
    assert f["timeline_mb"] == 30.0 and f["step_seconds"] == 250.0


def test_the_goals_are_judged_only_at_a_million_requests_or_more() -> None:
    short = _figures(999_999)
    assert short["at_scale"] is False
    assert short["assess_goal_met"] is None and short["memory_goal_met"] is None
    big = _figures(1_000_000)
    assert big["at_scale"] is True
    assert big["assess_goal_met"] is True  # 3.5 s < 10 s
    assert big["memory_goal_met"] is False  # 1,100 MB >= 1,024 MB


def test_requests_are_the_timeline_rows_without_its_header(tmp_path: Path) -> None:
    path = tmp_path / "t.csv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("t,t_abs\n0.1,1.1\n0.2,1.2\n0.3,1.3\n")
    assert scale_real.count_requests(path) == 3


def test_the_timer_counts_each_call_even_one_that_raises() -> None:
    timer = scale_real._Timed()

    def double(x: int) -> int:
        if x < 0:
            raise ValueError(x)
        return 2 * x

    timed = timer.wrap(double)
    assert timed(4) == 8
    seconds, peak = timer.once("double")
    assert seconds >= 0 and peak > 0
    with pytest.raises(ValueError):
        timed(-1)
    with pytest.raises(RuntimeError, match="double ran 2 times, not once"):
        timer.once("double")


def test_the_timer_counts_the_cyclic_gc_during_each_call_and_only_then() -> None:
    import gc
    from itertools import pairwise

    timer = scale_real._Timed()
    garbage = [[] for _ in range(200_000)]
    for a, b in pairwise(garbage):
        a.append(b)  # a long chain for a full collection to walk
    timer.wrap(gc.collect)()
    timer.wrap(len)(garbage)
    gc.collect()  # outside any call: not counted
    assert timer.gc_seconds[0] > 0 and timer.gc_seconds[1] == 0
    assert timer.gc_seconds[0] <= timer.seconds[0]
    assert timer._gc not in gc.callbacks


def test_rows_say_the_goals_do_not_apply_to_a_short_run() -> None:
    rows = scale_real_rows(_figures(20_000))
    assert (
        "",
        "assess() time (CPU of its thread; of it the cyclic GC)",
        "3.50 s (1.25 s; \u2013)",  # a run from before the GC was timed
        "n/a (< 1 M requests)",
    ) in rows
    assert rows[0][2] == "20,000; 100 (4,321)"


def test_rows_mark_the_goals_of_a_million_request_run() -> None:
    rows = {r[1]: r for r in scale_real_rows(_figures(1_200_000))}
    assert rows["assess() time (CPU of its thread; of it the cyclic GC)"][3] == "met"
    peak = rows["peak RSS of the harness process: at assess / whole run"]
    assert peak[2:] == ("700 / 1100 MB", "**missed** (at 1.2 M requests)")
    assert rows["record.json; timeline.csv.gz; report.html"][2] == "0.2 MB; 30 MB; 1.3 MB"
    verdict = rows["verdict (evidence); errors of the kill; recovery"]
    assert verdict[2] == "inconclusive (saturated); 3; recovered"


def test_the_bench_table_has_the_rows() -> None:
    table = render(
        {
            "scale_real": _figures(1_200_000),
            "command": "python -m bench --only scale_real",
            "started": "now",
            "machine": {"cpus": 2, "system": "Linux", "python": "3.11"},
        }
    )
    assert "| scale, real: `shopchaos run`, 200 s at the ceiling (2 load processes" in table


def test_a_run_past_its_deadline_is_stopped_not_waited_for(tmp_path: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"longer than 0\.2 s; stopped"):
        scale_real._wait(child, deadline=0.2, work=tmp_path)
    assert child.poll() is not None  # SIGTERM ended it
    assert time.monotonic() - started < 30


def test_a_profiled_call_returns_its_value_and_leaves_its_stats(tmp_path: Path) -> None:
    import pstats

    from bench.scale_real import profiled

    def work(n: int) -> int:
        return sum(range(n))

    where = tmp_path / "assess.prof"
    assert profiled(work, str(where))(1000) == 499500
    stats = pstats.Stats(str(where))
    assert any(name == "work" for (_, _, name) in stats.stats)  # type: ignore[attr-defined]

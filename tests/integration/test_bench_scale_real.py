"""`python -m bench --only scale_real`, end to end but short (15 s, one load process): the real
run on bench/stacks/ok through `shopchaos run`'s own code, every figure measured, nothing left
running. The 10-minute run is for a quiet machine (docs/performance.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import scale_real
from harness.exit_codes import STATUS_EXIT
from harness.record import io as record_io
from harness.record import model as rec

from .conftest import leftovers

pytestmark = pytest.mark.integration


def test_a_short_real_run_measures_every_figure_and_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    f = scale_real.scale_real(tmp_path, seconds=15.0, workers=1)
    (run_dir,) = [p for p in (tmp_path / "reports").iterdir() if p.is_dir()]
    trial = record_io.read(run_dir).scenarios[0].trials[0]
    assert trial.baseline is not None
    # every request of the trial is in the timeline, the baseline's among them
    assert f["requests"] > trial.baseline.requests >= 50
    assert f["rps"] > 0 and f["baseline_rps"] == round(trial.baseline.rps, 1)
    assert f["exit_code"] == int(STATUS_EXIT[rec.Status(f["status"])])
    assert [x.id for x in trial.faults] == ["kill-ok-2"] and trial.faults[0].t_inject is not None
    assert f["errors"] is not None and f["recovery"] is not None
    # the harness process's own figures, each seen measured once
    assert 0 < f["assess_seconds"] < 60
    assert 30 < f["peak_mb_at_assess"] <= f["peak_mb"]
    assert f["timeline_write_seconds"] > 0 and f["reports_seconds"] > 0
    assert f["record_mb"] > 0 and f["timeline_mb"] > 0 and f["report_mb"] > 0.1
    assert (run_dir / "report.html").exists() and (run_dir / "junit.xml").exists()
    assert f["at_scale"] is False and f["memory_goal_met"] is None
    assert leftovers(tmp_path / "state" / "local-bench-ok") == []

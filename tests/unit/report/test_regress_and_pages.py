"""Regressions, the index, compare and trend: over three real runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from harness.report.regress import compare, judge

from .conftest import PASSING, REGRESSED, REPEATED, load


def test_judge_uses_margin_and_spread() -> None:
    earlier = [0.1, 0.12, 0.11, 0.3, 0.13]
    # threshold: max(median 0.12 x 1.2, p90 0.232) + 0.1 = 0.332
    assert not judge(earlier, [0.33], margin=0.2, slack=0.1)[0]
    assert judge(earlier, [0.34], margin=0.2, slack=0.1)[0]
    assert judge(earlier, [0.6], margin=0.2, slack=0.1)[0]
    assert judge(earlier, [None], margin=0.2, slack=0.1)[0]  # never recovers now
    assert not judge([], [5.0], margin=0.2, slack=0.1)[0]  # nothing to compare with


def test_the_slow_checks_run_regresses_against_the_others() -> None:
    findings = compare([load(REPEATED), load(PASSING)], load(REGRESSED), margin=0.2)
    kinds = {(f.scenario, f.kind) for f in findings}
    assert ("kill-check", "slower recovery") in kinds
    assert not any(f.scenario == "payment-check" for f in findings)
    # every earlier trial passed: failing now is news
    assert ("kill-check", "newly failing") in kinds


def test_no_regression_against_itself() -> None:
    assert compare([load(PASSING)], load(PASSING)) == []


def test_report_command_renders_index_compare_and_trend(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(reports / PASSING)]) == 0
    for name in ("report.html", "junit.xml", "summary.md"):
        assert (reports / PASSING / name).is_file()
    index = (reports / "index.html").read_text()
    for run in (REPEATED, PASSING, REGRESSED):
        assert run in index
    a, b = str(reports / PASSING), str(reports / REGRESSED)
    assert main(["report", "compare", a, b]) == 0
    assert main(["report", "compare", a, b, "--fail-on-regression"]) == 5
    assert "newly failing" in capsys.readouterr().out
    assert (
        main(
            [
                "report",
                "trend",
                "--suite",
                "fixture",
                "--reports",
                str(reports),
                "--fail-on-regression",
            ]
        )
        == 5
    )
    trend = (reports / "trend-fixture.html").read_text()
    assert "kill-check" in trend and "regression" in trend
    assert "trend-fixture.html" in (reports / "index.html").read_text()


def test_records_from_another_schema_version_get_a_clear_error(
    reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = reports / PASSING / "record.json"
    data = json.loads(path.read_text())
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    assert main(["report", str(reports / PASSING)]) == 4
    assert "schema version 99" in capsys.readouterr().err


def test_trend_needs_two_runs(reports: Path) -> None:
    assert main(["report", "trend", "--suite", "nightly", "--reports", str(reports)]) == 2

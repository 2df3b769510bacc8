"""Reading a truth log back: errors in a stretch, planned misbehaviour, counted answers."""

from __future__ import annotations

from pathlib import Path

from tests.stacks import truth
from tests.stacks._log import TruthLog


def _log(tmp_path: Path) -> list[truth.Event]:
    log = TruthLog(tmp_path, "api-1")
    log.write("plan", t=100.0, name="cascade", cause="api-2 died", bad=[[102.5, 105.5]])
    for t in (102.51, 103.0, 105.49):
        log.write("error", t=t, status=500, why="cascade", path="/")
    log.write("error", t=200.0, status=500, why="later", path="/")
    log.write("served", t=103.0, since=102.0, ok=10, failed=5)
    log.write("served", t=104.0, since=103.0, ok=0, failed=20)
    log.close()
    return truth.read(tmp_path)


def test_a_stretch_has_its_errors_and_plans(tmp_path: Path) -> None:
    got = truth.observe(_log(tmp_path), 100.0, 110.0)
    assert got.errors == 3
    assert (got.first_error, got.last_error) == (102.51, 105.49)
    assert got.bad == ((102.5, 105.5),)
    assert got.misbehaved_until == 105.5
    assert got.detect_after(100.01) == 102.51 - 100.01
    assert got.recover_after(100.01) == 105.5 - 100.01
    assert got.recover_after(106.0) == 0.0


def test_a_quiet_stretch_has_no_truth_to_recover_from(tmp_path: Path) -> None:
    got = truth.observe(_log(tmp_path), 150.0, 190.0)
    assert (got.errors, got.first_error, got.misbehaved_until) == (0, None, None)
    assert got.detect_after(150.0) is None and got.recover_after(150.0) is None


def test_served_counts_whole_seconds_inside_the_stretch(tmp_path: Path) -> None:
    events = _log(tmp_path)
    assert truth.served(events, 102.0, 104.0) == (10, 25)
    assert truth.served(events, 103.0, 104.0) == (0, 20)


def test_no_log_is_no_events(tmp_path: Path) -> None:
    assert truth.read(tmp_path / "nothing") == []

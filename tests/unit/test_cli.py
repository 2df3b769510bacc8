"""The CLI: exit codes come from one table; --help teaches; bad input is exit 2."""

from pathlib import Path

import pytest

from harness import errors
from harness.cli import Exit, exit_code_for, main
from harness.record.model import Status


def test_exit_code_table() -> None:
    assert exit_code_for(errors.InputError("f", [])) is Exit.BAD_INPUT
    assert exit_code_for(errors.RunAborted("x")) is Exit.ABORTED
    assert exit_code_for(errors.Interrupted("x")) is Exit.INTERRUPTED
    assert exit_code_for(errors.ToolMissingError("x")) is Exit.HARNESS_ERROR
    assert exit_code_for(errors.PortInUseError("x")) is Exit.HARNESS_ERROR


def test_status_exit_codes() -> None:
    from harness.cli import STATUS_EXIT

    assert STATUS_EXIT[Status.PASSED] == 0
    assert STATUS_EXIT[Status.FAILED] == 1
    assert STATUS_EXIT[Status.ABORTED] == 3


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for cmd in ("up", "down", "status", "run", "validate", "list", "recover", "faults"):
        assert cmd in out


def test_validate_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("name: x\nfaults:\n  - type: kill\n    target: {group: shop}\n    bogus: 1\n")
    assert main(["validate", str(p)]) == 2
    err = capsys.readouterr().err
    assert f"{p}:5: faults[0].bogus: unknown key" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run"]) == 2
    assert main(["up", "--db", "mysql"]) == 2
    assert "sqlite" in capsys.readouterr().err


def test_list_and_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["faults"]) == 0
    out = capsys.readouterr().out
    assert "latency" in out and "partition" in out and "surge" in out
    assert main(["list"]) == 0
    assert "one-replica" in capsys.readouterr().out


def test_a_busy_stack_exits_7_naming_the_holder_and_status_still_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.unit.platforms.lock_holder import start_holder, stop

    assert exit_code_for(errors.StackBusy("x")) is Exit.STACK_BUSY == 7
    proc, _ = start_holder(tmp_path / "local-sample-shop")
    try:
        for command in ("down", "recover"):
            assert main([command, "--state-dir", str(tmp_path)]) == 7
            err = capsys.readouterr().err
            assert f"in use by another shopchaos command: pid {proc.pid}" in err
            assert f"kill {proc.pid}" in err
        # read-only: not refused (there is simply no stack up)
        assert main(["status", "--state-dir", str(tmp_path)]) == 4
        assert "no local stack is up" in capsys.readouterr().err
    finally:
        stop(proc)

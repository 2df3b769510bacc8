"""One harness per stack, and adopt only what matches, with the real CLI on the local platform:
a second command on a busy stack exits 7 naming the first, status still works, a SIGKILLed
holder's lock is taken over; a changed stack file is reported, not adopted; a run that needs
another profile gives the user's stack back; status and down find a stack of any name."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest

from harness.platforms.local import LocalPlatform
from harness.stack.loader import default_stack_path

from .conftest import leftovers, make_platform, shopchaos
from .test_scenarios import _start_run, _wait_for_line, assert_clean

pytestmark = pytest.mark.integration


def test_a_second_command_on_a_running_stack_exits_7_and_a_killed_ones_lock_is_taken_over(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    scenario = tmp_path / "long.yaml"  # outlasts the second commands (SIGKILLed below)
    scenario.write_text(
        "name: long\nload: {users: 2, spawn_rate: 2}\n"
        "phases: {warmup: 1s, baseline: 2s, observe: 300s}\n"
        "faults:\n  - {id: slow, type: latency, dependency: payment, latency: 50ms}\n"
    )
    first = _start_run(stack, scenario, tmp_path / "first")
    try:
        _wait_for_line(first, "injected slow")
        root = stack.state_dir.parent
        for args in (("run", str(scenario)), ("up",), ("down",), ("recover",)):
            started = time.monotonic()
            second = shopchaos(*args, state_dir=root, reports=None, timeout=120)
            took = time.monotonic() - started
            assert second.returncode == 7, (args, second.stdout, second.stderr)
            assert f"in use by another shopchaos command: pid {first.pid}" in second.stderr
            assert "`run` since" in second.stderr and f"kill {first.pid}" in second.stderr
            assert took < 60, took  # no wait for the lock (imports take 10 s on a busy machine)
        status = shopchaos("status", state_dir=root)  # read-only: works meanwhile
        assert status.returncode == 0, status.stderr
        assert "shop-1" in status.stdout
        assert f"in use by pid {first.pid}" in " ".join(status.stdout.split())
    finally:
        first.send_signal(signal.SIGKILL)  # no rollback: the toxic stays, and the lock's record
        first.communicate(timeout=30)
    recovered = shopchaos("recover", state_dir=stack.state_dir.parent)
    assert recovered.returncode == 0, recovered.stderr
    out = " ".join(recovered.stdout.split())  # rich wraps long lines
    assert f"taking over the stack's lock, left by pid {first.pid}" in out
    assert "which is gone" in out
    assert "removed toxic" in out
    assert_clean(stack)


def own_stack(tmp_path: Path) -> Path:
    path = tmp_path / "adopt-shop.yaml"
    path.write_text(
        default_stack_path().read_text().replace("name: sample-shop", "name: adopt-shop", 1)
    )
    return path


def test_a_changed_stack_file_is_not_adopted_and_a_run_gives_the_users_stack_back(
    state_root: Path, tmp_path: Path
) -> None:
    root = state_root / "adopt"
    stack_file = own_stack(tmp_path)
    platform = make_platform(root / "local-adopt-shop", stack_file)
    up = ("up", "--stack", str(stack_file), "--replicas", "1", "--profile", "no-breaker")
    try:
        first = shopchaos(*up, state_dir=root)
        assert first.returncode == 0, first.stderr
        again = shopchaos(*up, state_dir=root)
        assert again.returncode == 0 and "adopting it" in again.stdout, again.stderr
        # status without --stack finds this stack, not the sample shop
        status = shopchaos("status", state_dir=root)
        assert status.returncode == 0, status.stderr
        assert "adopt-shop on local (replicas 1" in status.stdout

        stack_file.write_text(
            stack_file.read_text().replace(
                '        PAYMENT_DB: "{state_dir}/payment.db"\n',
                '        PAYMENT_DB: "{state_dir}/payment.db"\n        PAYMENT_EDITED: "yes"\n',
            )
        )
        refused = shopchaos(*up, state_dir=root)
        assert refused.returncode == 4
        err = " ".join(refused.stderr.split())
        assert f"{stack_file} changed since the stack was brought up" in err
        assert "--restart" in err

        scenario = tmp_path / "unsafe-briefly.yaml"
        scenario.write_text(
            "name: unsafe-briefly\nstack: {profile: unsafe, replicas: 1}\n"
            "load: {users: 2, spawn_rate: 2}\nphases: {warmup: 1s, baseline: 2s, observe: 1s}\n"
        )
        ran = shopchaos(
            "run", str(scenario), "--stack", str(stack_file), state_dir=root, reports=tmp_path
        )
        out = " ".join(ran.stdout.split())
        assert ran.returncode in (0, 1), ran.stdout + ran.stderr
        assert "changed since the stack was brought up" in out  # reported, then restarted
        assert "restoring the stack you had (replicas=1, db=sqlite, profile=no-breaker" in out
        options = platform.options()
        assert options is not None and (options.profile, options.replicas) == ("no-breaker", 1)
        state = platform.store.load()
        assert state is not None and "PAYMENT_EDITED" in state.procs["payment"].env  # new file
    finally:
        down = shopchaos("down", state_dir=root)  # without --stack: finds adopt-shop
    assert down.returncode == 0, down.stderr
    assert "down adopt-shop: stopped" in down.stdout
    assert leftovers(platform.state_dir) == []

"""One harness per stack: the state directory's lock, with real processes holding it."""

from __future__ import annotations

import os
import signal
import subprocess
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.errors import StackBusy
from harness.platforms import _lock
from harness.platforms._private_files import mode

from .lock_holder import start_holder, stop

INHERITING_HOLDER = textwrap.dedent(
    """
    import os, subprocess, sys
    from pathlib import Path
    from harness.platforms import _lock
    cm = _lock.hold(Path(sys.argv[1]), "run")
    cm.__enter__()
    (held,) = _lock._held.values()
    os.set_inheritable(held.fd, True)
    child = subprocess.Popen(["sleep", "60"], pass_fds=[held.fd])
    print(child.pid, flush=True)
    os._exit(0)  # dies holding the lock; the child keeps the descriptor (and the flock)
    """
)


@pytest.fixture
def other(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc, _ = start_holder(tmp_path / "stack")
    yield proc
    stop(proc)


def test_a_second_command_is_refused_at_once_naming_the_first(
    tmp_path: Path, other: subprocess.Popen[str]
) -> None:
    started = time.monotonic()
    with pytest.raises(StackBusy) as exc, _lock.hold(tmp_path / "stack", "up"):
        pytest.fail("took a held lock")
    assert time.monotonic() - started < 3  # at once, not after a wait
    message = exc.value.message
    assert f"pid {other.pid}" in message
    assert "`run` since" in message and "-c" in message  # its command line
    assert str(tmp_path / "stack") in message
    assert f"kill {other.pid}" in (exc.value.hint or "")
    assert "status" in (exc.value.hint or "")


def test_holder_is_read_only_and_names_the_live_holder(
    tmp_path: Path, other: subprocess.Popen[str]
) -> None:
    who = _lock.holder(tmp_path / "stack")
    assert who is not None and who.pid == other.pid and who.alive()
    assert who.command == "run"
    assert _lock.holder(tmp_path / "stack") is not None  # reading took nothing


def test_a_lock_left_by_a_sigkilled_holder_is_taken_over_and_reported(tmp_path: Path) -> None:
    proc, _ = start_holder(tmp_path / "stack")
    stop(proc)  # SIGKILL
    assert _lock.holder(tmp_path / "stack") is None  # the kernel dropped the flock
    said: list[str] = []
    with _lock.hold(tmp_path / "stack", "recover", said.append):
        who = _lock.holder(tmp_path / "stack")
        assert who is not None and who.pid == os.getpid() and who.command == "recover"
    assert len(said) == 1
    assert f"left by pid {proc.pid}" in said[0] and "which is gone" in said[0]


def test_re_entrant_in_one_process_and_cleared_on_release(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    said: list[str] = []
    with _lock.hold(state, "run", said.append):
        with _lock.hold(state, "up", said.append):
            assert _lock.is_held_here(state)
        assert _lock.is_held_here(state)  # the inner release kept the outer hold
        who = _lock.holder(state)
        assert who is not None and who.command == "run"
    assert not _lock.is_held_here(state)
    assert _lock.holder(state) is None
    assert (state / _lock.LOCK_FILE).read_bytes() == b""  # released on purpose: no record
    with _lock.hold(state, "down", said.append):
        pass
    assert said == []  # a cleanly released lock is not reported as taken over


def test_the_lock_file_and_directory_are_private(tmp_path: Path) -> None:
    state = tmp_path / "root" / "local-x"
    with _lock.hold(state, "up"):
        assert mode(state) == 0o700
        assert mode(state.parent) == 0o700  # created by us: private too
        assert mode(state / _lock.LOCK_FILE) == 0o600


def test_a_released_lock_is_free_for_another_process(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    with _lock.hold(state, "up"):
        pass
    proc, _ = start_holder(state)
    try:
        who = _lock.holder(state)
        assert who is not None and who.pid == proc.pid
    finally:
        stop(proc)


def test_a_forked_child_does_not_keep_the_lock(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    with _lock.hold(state, "run"):
        pid = os.fork()
        if pid == 0:  # the child outlives the parent's hold
            time.sleep(5)
            os._exit(0)
    try:
        assert _lock.holder(state) is None
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def test_a_process_that_inherited_the_lock_from_a_dead_holder_is_named(tmp_path: Path) -> None:
    state = tmp_path / "stack"
    proc, line = start_holder(state, INHERITING_HOLDER)
    child = int(line)
    proc.wait(10)
    try:
        with pytest.raises(StackBusy) as exc, _lock.hold(state, "up"):
            pytest.fail("took a held lock")
        assert f"pid {child}" in exc.value.message
        assert "inherited the lock" in exc.value.message
    finally:
        os.kill(child, signal.SIGKILL)
        time.sleep(0.1)
    with _lock.hold(state, "up"):  # once it is gone, the lock is free again
        pass

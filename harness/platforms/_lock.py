"""One harness per stack: an exclusive lock on a stack's state directory, held for a command.

`fcntl.flock` on <state_dir>/harness.lock, non-blocking: a second command on the same stack
fails at once with StackBusy, which names the holder (pid, command line, since when). The
kernel drops a flock when its holder exits however it exits (SIGKILL included), so a dead
harness never blocks the next one; the file also records who held it (pid + create time), so
a lock left by a dead holder is recognised and its take-over is reported. The record is
cleared on a normal release.

Re-entrant within one process: `shopchaos run` holds the lock and the runner calls up(),
down() and recover inside. The descriptor is close-on-exec (the stack's processes never
inherit it), and a forked child drops its copy at once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shlex
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import StackBusy
from harness.platforms._private_files import PRIVATE_FILE, private_dir
from harness.platforms.base import Progress, no_progress

LOCK_FILE = "harness.lock"
_RECORD_WAIT = 1.0  # how long a busy check waits for a new holder to write its record


class Holder(BaseModel):
    """Who holds a stack: written into the lock file by the holder."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pid: int
    create_time: float
    command: str  # the shopchaos command: up, run, down, recover, pytest
    argv: list[str]
    since: float  # time.time() when it took the lock

    @classmethod
    def me(cls, command: str) -> Holder:
        p = psutil.Process()
        return cls(
            pid=p.pid,
            create_time=p.create_time(),
            command=command,
            argv=p.cmdline(),
            since=time.time(),
        )

    def alive(self) -> bool:
        try:
            return abs(psutil.Process(self.pid).create_time() - self.create_time) <= 0.05
        except psutil.Error:
            return False

    def describe(self) -> str:
        cmdline = shlex.join(self.argv)
        if len(cmdline) > 200:
            cmdline = cmdline[:197] + "..."
        since = time.strftime("%H:%M:%S", time.localtime(self.since))
        return f"pid {self.pid} (`{cmdline}`, `{self.command}` since {since})"


@dataclass
class _Held:
    fd: int
    depth: int


_held: dict[str, _Held] = {}
_guard = threading.Lock()


def _forget_in_child() -> None:
    """After fork(): the child must not keep the parent's lock alive."""
    for held in _held.values():
        with contextlib.suppress(OSError):
            os.close(held.fd)
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


def lock_path(state_dir: Path) -> Path:
    return state_dir / LOCK_FILE


@contextlib.contextmanager
def hold(state_dir: Path, command: str, progress: Progress = no_progress) -> Iterator[None]:
    """Hold the stack in `state_dir` for the block; StackBusy at once if another process does."""
    path = lock_path(state_dir.resolve())
    key = str(path)
    with _guard:
        held = _held.get(key)
        if held is not None:
            held.depth += 1
    if held is None:
        fd = _acquire(path, command, progress)
        with _guard:
            _held[key] = _Held(fd, 1)
    try:
        yield
    finally:
        with _guard:
            mine = _held[key]
            mine.depth -= 1
            last = mine.depth == 0
            if last:
                del _held[key]
        if last:
            _release(mine.fd)


def holder(state_dir: Path) -> Holder | None:
    """The live command holding the stack, or None when it is free (takes nothing)."""
    path = lock_path(state_dir.resolve())
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _current_holder(fd, path)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def is_held_here(state_dir: Path) -> bool:
    """True when this process holds the stack (inside a command's `hold`)."""
    with _guard:
        return str(lock_path(state_dir.resolve())) in _held


def _acquire(path: Path, command: str, progress: Progress) -> int:
    private_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(path, _current_holder(fd, path)) from None
        previous = _read(fd)
        if previous is not None:
            gone = "which is gone" if not previous.alive() else "which no longer holds it"
            progress(f"taking over the stack's lock, left by {previous.describe()}, {gone}")
        _write(fd, Holder.me(command))
    except BaseException:
        os.close(fd)
        raise
    return fd


def _release(fd: int) -> None:
    try:
        os.ftruncate(fd, 0)  # a cleared record: released on purpose, not left by a dead holder
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _write(fd: int, who: Holder) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, who.model_dump_json().encode(), 0)


def _read(fd: int) -> Holder | None:
    try:
        raw = os.pread(fd, 65536, 0)
    except OSError:
        return None
    if not raw.strip():
        return None
    try:
        return Holder.model_validate_json(raw)
    except ValidationError:
        return None


def _current_holder(fd: int, path: Path) -> Holder | None:
    """Who holds the flock: the recorded holder, or (when that one is dead) a process that
    inherited the descriptor from it."""
    who = _wait_record(fd)
    if who is not None and who.alive():
        return who
    return _inheritor(path) or who


def _wait_record(fd: int) -> Holder | None:
    """The holder's record; a holder that has just taken the lock may not have written it."""
    deadline = time.monotonic() + _RECORD_WAIT
    while True:
        who = _read(fd)
        if (who is not None and who.alive()) or time.monotonic() > deadline:
            return who
        time.sleep(0.05)


def _inheritor(path: Path) -> Holder | None:
    """A process with the lock file open: one that inherited the lock from a dead holder."""
    me = os.getpid()
    for p in psutil.process_iter():
        if p.pid == me:
            continue
        try:
            if any(f.path == str(path) for f in p.open_files()):
                return Holder(
                    pid=p.pid,
                    create_time=p.create_time(),
                    command="(inherited the lock)",
                    argv=p.cmdline(),
                    since=p.create_time(),
                )
        except psutil.Error:
            continue
    return None


def _busy(path: Path, who: Holder | None) -> StackBusy:
    state_dir = path.parent
    if who is None:
        return StackBusy(
            f"the stack in {state_dir} is in use by another shopchaos command "
            "(it could not be identified)",
            hint="wait for it to finish; `shopchaos status` works meanwhile",
        )
    return StackBusy(
        f"the stack in {state_dir} is in use by another shopchaos command: {who.describe()}",
        hint=f"wait for it to finish, or stop it (`kill {who.pid}`: a run reverts its faults "
        "on SIGTERM and Ctrl-C); `shopchaos status` works meanwhile",
    )

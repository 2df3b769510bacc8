"""Start, signal and stop the local stack's processes; find them again after a crash.

Every process the local platform starts runs in its own session (Ctrl-C in the harness's
terminal does not reach it; the stack outlives `shopchaos up`) and carries the environment
variable SHOPCHAOS_STACK=<stack id>, so `down` can find and stop it even when the state file is
gone. A process is identified by (pid, create_time), never by pid alone: pids get reused.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from harness.errors import StackError

STACK_ENV = "SHOPCHAOS_STACK"
_spawned: set[int] = set()  # children this process started: reaped once they exit


@dataclass(frozen=True)
class Spawned:
    pid: int
    create_time: float


# Runs a command in a directory keeping its pid (exec): posix_spawn has no cwd of its own.
_CHDIR_EXEC = "import os, sys; os.chdir(sys.argv[1]); os.execvp(sys.argv[2], sys.argv[2:])"


def spawn(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    log: Path,
    stack_id: str,
    cwd: Path | None = None,
) -> Spawned:
    """Start `argv` in its own session, stdin from /dev/null, stdout+stderr appended to `log`,
    in `cwd` when given (through a tiny exec trampoline: the pid stays the command's).

    posix_spawn rather than Popen: the process is meant to outlive this harness process (the
    stack stays up after `shopchaos up`), and a Popen object would warn when collected while
    its process still runs. Exited children are reaped by alive()/wait_gone().
    """
    full_env = {**os.environ, **env, STACK_ENV: stack_id}
    log.parent.mkdir(parents=True, exist_ok=True)
    log.touch()
    if cwd is not None:
        argv = [sys.executable, "-I", "-S", "-c", _CHDIR_EXEC, str(cwd), *argv]
    try:
        pid = os.posix_spawnp(
            argv[0],
            list(argv),
            full_env,
            file_actions=[
                (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644),
                (os.POSIX_SPAWN_DUP2, 1, 2),
            ],
            setsid=True,
        )
    except OSError as e:
        raise StackError(f"cannot start {argv[0]}: {e.strerror}") from e
    _spawned.add(pid)
    try:
        created = psutil.Process(pid).create_time()
    except psutil.NoSuchProcess:
        created = 0.0  # died at once; alive() will say so
    return Spawned(pid, created)


def reap_spawned() -> None:
    """Reap children of ours that exited, also when another process stopped them (a CLI run
    that restarted the stack this process had started): no zombies pile up."""
    for pid in list(_spawned):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            _spawned.discard(pid)
            continue
        if done:
            _spawned.discard(pid)


def find(pid: int, create_time: float) -> psutil.Process | None:
    """The live process (pid, create_time) names, or None (gone, a zombie, or a reused pid)."""
    try:
        p = psutil.Process(pid)
        if create_time and abs(p.create_time() - create_time) > 0.05:
            return None  # the pid was reused by someone else
        if p.status() == psutil.STATUS_ZOMBIE:
            _reap(pid)
            return None
        return p
    except psutil.Error:
        return None


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def alive(pid: int, create_time: float) -> bool:
    return find(pid, create_time) is not None


def paused(pid: int, create_time: float) -> bool:
    p = find(pid, create_time)
    try:
        return p is not None and p.status() == psutil.STATUS_STOPPED
    except psutil.Error:
        return False


def send(pid: int, create_time: float, sig: signal.Signals) -> bool:
    """Send `sig` if the process is still the one we started. True when sent."""
    p = find(pid, create_time)
    if p is None:
        return False
    try:
        p.send_signal(sig)
    except psutil.Error:
        return False
    return True


def wait_gone(pid: int, create_time: float, timeout: float) -> bool:
    """Wait (bounded) until the process has exited (a zombie counts as exited; our own
    children are reaped). Polls: psutil's wait() on a non-child waits for the zombie too."""
    started = time.monotonic()
    while find(pid, create_time) is not None:
        waited = time.monotonic() - started
        if waited > timeout:
            return False
        time.sleep(0.002 if waited < 0.2 else 0.02)  # fine at first: fault times depend on it
    return True


def stop(
    pid: int,
    create_time: float,
    *,
    sig: signal.Signals = signal.SIGTERM,
    grace: float = 10.0,
) -> str:
    """Stop a process: `sig`, then SIGKILL after `grace` seconds. Returns what it took."""
    if not alive(pid, create_time):
        return "not running"
    send(pid, create_time, sig)
    send(pid, create_time, signal.SIGCONT)  # a paused process cannot handle SIGTERM
    if wait_gone(pid, create_time, grace):
        return f"stopped ({sig.name})"
    send(pid, create_time, signal.SIGKILL)
    wait_gone(pid, create_time, 5.0)
    return f"killed (no exit {grace:g}s after {sig.name})"


def tagged(stack_id: str) -> Iterator[psutil.Process]:
    """Every live process started for `stack_id` (by its SHOPCHAOS_STACK variable)."""
    me = os.getpid()
    for p in psutil.process_iter():
        if p.pid == me:
            continue
        try:
            if p.environ().get(STACK_ENV) == stack_id and p.status() != psutil.STATUS_ZOMBIE:
                yield p
        except psutil.Error:
            continue


def kill_tagged(stack_id: str, timeout: float = 5.0) -> list[str]:
    """SIGKILL every remaining process of `stack_id`; returns descriptions of what it killed."""
    killed: list[str] = []
    procs = list(tagged(stack_id))
    for p in procs:
        with contextlib.suppress(psutil.Error):
            killed.append(f"pid {p.pid} ({p.name()})")
            p.kill()
    deadline = time.monotonic() + timeout
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        _reap(p.pid)
    return killed


def tail(log: Path, lines: int = 15) -> str:
    """The last lines of a log file, for error messages."""
    try:
        data = log.read_bytes()[-16384:]
    except OSError:
        return "(no log)"
    text = data.decode("utf-8", errors="replace").splitlines()[-lines:]
    return "\n".join(text) if text else "(log is empty)"

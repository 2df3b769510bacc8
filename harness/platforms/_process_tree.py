"""An instance is a process tree: signal all of it, and call it gone only when all of it is.

Pre-fork servers (gunicorn, uwsgi, uvicorn --workers) are a master and its workers. Signalling
the master alone froze or killed only the master: the workers kept serving, or kept the port so
the restart failed. Every local instance is started in its own session (_procs.spawn), so its
process group id is its first pid; a signal goes to that whole group, and then to any process
that left the group (a worker that called setsid) found by walking the tree with psutil, or by
the instance tag in its environment once its parent is gone.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import psutil

from harness.platforms._ports import is_free
from harness.platforms._procs import STACK_ENV, find

INSTANCE_ENV = "SHOPCHAOS_INSTANCE"  # the instance name, inherited by every process of its tree


@dataclass(frozen=True)
class Tree:
    """The processes started for one instance: the root (its first pid) and all it forked."""

    pid: int
    create_time: float
    stack_id: str | None = None  # with `instance`: find members that left the group
    instance: str | None = None

    def members(self) -> list[psutil.Process]:
        """Every live process of the tree, the root first when it lives."""
        found: dict[int, psutil.Process] = {}
        root = find(self.pid, self.create_time)
        if root is not None:
            found[root.pid] = root
            with contextlib.suppress(psutil.Error):
                for child in root.children(recursive=True):
                    found.setdefault(child.pid, child)
        for p in self._scan(tags=root is None):
            found.setdefault(p.pid, p)
        return [p for p in found.values() if _live(p)]

    def _scan(self, *, tags: bool) -> Iterator[psutil.Process]:
        """Processes in the root's group (created after it) and, with `tags` (the root is gone:
        a member that left the group was orphaned), those tagged with this instance."""
        me = os.getpid()
        for p in psutil.process_iter():
            if p.pid in (me, self.pid):
                continue
            try:
                in_group = os.getpgid(p.pid) == self.pid
                if (in_group and p.create_time() >= self.create_time - 0.05) or (
                    tags and not in_group and self._tagged(p)
                ):
                    yield p
            except (psutil.Error, OSError):
                continue

    def _tagged(self, p: psutil.Process) -> bool:
        if self.instance is None:
            return False
        env = p.environ()
        return env.get(INSTANCE_ENV) == self.instance and env.get(STACK_ENV) == self.stack_id

    def alive(self) -> bool:
        return bool(self.members())

    def root_alive(self) -> bool:
        return find(self.pid, self.create_time) is not None

    def send(self, sig: signal.Signals) -> list[psutil.Process]:
        """`sig` to the group, then to every member found outside it. The members signalled
        (none: nothing was running); give them to wait_gone after a signal that ends them."""
        members = self.members()
        if not members:
            return []
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.root_alive() or any(_pgid(p) == self.pid for p in members):
                os.killpg(self.pid, sig)
        for p in members:
            if _pgid(p) != self.pid:
                with contextlib.suppress(psutil.Error):
                    p.send_signal(sig)
        return members

    def all_stopped(self) -> bool:
        """Every member frozen (SIGSTOP took effect everywhere), and there is one."""
        members = self.members()
        return bool(members) and all(_status(p) == psutil.STATUS_STOPPED for p in members)

    def any_stopped(self) -> bool:
        return any(_status(p) == psutil.STATUS_STOPPED for p in self.members())

    def wait_gone(
        self, timeout: float, port: int | None = None, signalled: Sequence[psutil.Process] = ()
    ) -> bool:
        """Wait (bounded) until no member lives and, when given, `port` is free on loopback.
        `signalled` (what send returned) and every member seen while waiting are watched until
        each is gone: a killed process found only by its tag (it left the group, its parent is
        gone) loses its environment before it exits, so the scan stops seeing it while it runs."""
        started = time.monotonic()
        seen: dict[int, psutil.Process] = {p.pid: p for p in signalled}

        def left() -> bool:
            for p in self.members():
                seen.setdefault(p.pid, p)
            return any(_running(p) for p in seen.values())

        while left() or (port is not None and not is_free(port)):
            waited = time.monotonic() - started
            if waited > timeout:
                return False
            time.sleep(0.002 if waited < 0.2 else 0.02)  # fine at first: fault times depend on it
        return True

    def stop(self, sig: signal.Signals, grace: float, port: int | None = None) -> str:
        """`sig` to the whole tree (thawed first), SIGKILL to what is left after `grace`."""
        if not self.members():
            return "not running"
        signalled = self.send(sig)
        self.send(signal.SIGCONT)  # a frozen process cannot handle SIGTERM
        if self.wait_gone(grace, port, signalled):
            return f"stopped ({sig.name})"
        self.wait_gone(5.0, port, self.send(signal.SIGKILL))
        return f"killed (no exit {grace:g}s after {sig.name})"

    def describe(self) -> str:
        members = self.members()
        return ", ".join(f"pid {p.pid} ({_name(p)})" for p in members) or "nothing"


def _live(p: psutil.Process) -> bool:
    status = _status(p)
    if status == psutil.STATUS_ZOMBIE:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(p.pid, os.WNOHANG)
        return False
    return status is not None


def _running(p: psutil.Process) -> bool:
    """Still this process (not a new one with its pid) and not yet a zombie."""
    try:
        return p.is_running() and _live(p)
    except psutil.Error:
        return False


def _status(p: psutil.Process) -> str | None:
    try:
        return str(p.status())
    except psutil.Error:
        return None


def _pgid(p: psutil.Process) -> int | None:
    try:
        return os.getpgid(p.pid)
    except OSError:
        return None


def _name(p: psutil.Process) -> str:
    try:
        return str(p.name())
    except psutil.Error:
        return "?"

"""The revert guarantee: every applied fault is reverted on a normal end, an exception,
Ctrl-C or SIGTERM.

AppliedFaults keeps what is in force and reverts it in `finally` (each revert on its own, so one
failing revert does not stop the others; failures are recorded, never swallowed silently).
`signals_raise()` turns SIGTERM (and SIGHUP) into an exception in the main thread, so they unwind
through the same `finally` as Ctrl-C does.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from harness.errors import Interrupted
from harness.faults.base import Fault


@dataclass
class Window:
    """When one fault was in force (times are absolute, time.time())."""

    fault: Fault
    t_apply_called: float | None = None
    t_inject: float | None = None
    t_revert_called: float | None = None
    t_revert: float | None = None
    apply_error: str | None = None
    revert_error: str | None = None


@dataclass
class RollbackEntry:
    fault: str
    t: float
    ok: bool
    error: str | None = None


@dataclass
class AppliedFaults:
    windows: dict[str, Window] = field(default_factory=dict)
    rollbacks: list[RollbackEntry] = field(default_factory=list)
    _active: list[str] = field(default_factory=list)

    def apply(self, fault: Fault) -> Window:
        w = self.windows.setdefault(fault.id, Window(fault))
        self._active.append(fault.id)  # before apply(): a half-applied fault is reverted too
        w.t_apply_called = time.time()
        try:
            fault.apply()
        except Exception as e:
            w.apply_error = f"{type(e).__name__}: {e}"
            raise
        finally:
            w.t_inject = time.time()
        return w

    def revert(self, fault_id: str) -> None:
        if fault_id not in self._active:
            return
        w = self.windows[fault_id]
        w.t_revert_called = time.time()
        try:
            w.fault.revert()
        except Exception as e:
            w.revert_error = f"{type(e).__name__}: {e}"
            raise
        finally:
            w.t_revert = time.time()
            self._active.remove(fault_id)

    @property
    def active(self) -> list[str]:
        return list(self._active)

    def revert_all(self) -> list[RollbackEntry]:
        """Revert everything still in force, newest first. Never raises; records failures."""
        done: list[RollbackEntry] = []
        with shielded():
            for fault_id in reversed(list(self._active)):
                try:
                    self.revert(fault_id)  # removes it from the active list, even on failure
                    entry = RollbackEntry(fault_id, time.time(), True)
                except Exception as e:  # a rollback must try every fault
                    entry = RollbackEntry(fault_id, time.time(), False, f"{type(e).__name__}: {e}")
                done.append(entry)
        self.rollbacks.extend(done)
        return done


@contextmanager
def shielded() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP until the block ends (a second Ctrl-C cannot cut a rollback
    short); a signal that arrived meanwhile is delivered, and raises, afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


@contextmanager
def signals_raise() -> Iterator[None]:
    """While inside: SIGINT, SIGTERM and SIGHUP raise in the main thread, so they unwind
    through the same `finally` as any error. SIGINT is installed explicitly: a process started
    in the background of a non-interactive shell (a CI job) inherits SIGINT as ignored, and
    Python keeps it ignored - Ctrl-C would then do nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(f"received {signal.Signals(signum).name}; reverting faults")

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    old[signal.SIGINT] = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)

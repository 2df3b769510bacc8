"""Signals: SIGINT, SIGTERM and SIGHUP unwind like an exception (signals_raise), and are held
back while something must not be cut short (shielded): an apply, a revert, the rollback, the
record and the reports.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from harness.errors import Interrupted

HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextmanager
def shielded() -> Iterator[None]:
    """Hold SIGINT/SIGTERM/SIGHUP until the block ends (a second Ctrl-C cannot cut a rollback
    short); a signal that arrived meanwhile is delivered, and raises, afterwards.

    Done with Python-level handlers, not the thread's signal mask: the kernel delivers a
    process signal to any thread that does not block it (the probes', the load reader's), and
    Python then runs the handler in the main thread anyway, so blocking it in the main thread
    alone shields nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        pending.append(signum)

    old = {s: signal.signal(s, hold) for s in HELD}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if pending:
            _deliver(pending[0], old[signal.Signals(pending[0])])


def _deliver(signum: int, handler: object) -> None:
    """Run what the signal would have done: the handler in force before the block."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        os.kill(os.getpid(), signum)  # the default action (SIGTERM: terminate)


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
        name = signal.Signals(signum).name
        raise Interrupted(f"received {name}; reverting faults", signal=name)

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    old[signal.SIGINT] = signal.signal(signal.SIGINT, interrupt)
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)

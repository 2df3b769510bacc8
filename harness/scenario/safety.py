"""The revert guarantee: every applied fault is reverted on a normal end, an exception,
Ctrl-C or SIGTERM.

AppliedFaults keeps what is in force and reverts it in `finally` (each revert on its own, so one
failing revert does not stop the others; failures are recorded, never swallowed silently),
shielded from signals (harness/signals.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

from harness.faults.registry import BuiltFault
from harness.measure.observations import FaultObservation, RollbackEntry
from harness.signals import shielded


@dataclass
class _Window:
    """When one fault was in force (absolute times), while the trial runs."""

    built: BuiltFault
    t_apply_called: float | None = None
    t_inject: float | None = None
    t_revert_called: float | None = None
    t_revert: float | None = None
    apply_error: str | None = None
    revert_error: str | None = None

    def observed(self) -> FaultObservation:
        details: Mapping[str, float | int | str] = {}
        if self.built.details is not None:
            try:
                details = dict(self.built.details())
            except Exception as e:  # a report must never lose the trial
                details = {"details_error": f"{type(e).__name__}: {e}"[:300]}
        return FaultObservation(
            meta=self.built.meta,
            t_apply_called=self.t_apply_called,
            t_inject=self.t_inject,
            t_revert_called=self.t_revert_called,
            t_revert=self.t_revert,
            apply_error=self.apply_error,
            revert_error=self.revert_error,
            details=details,
        )


class AppliedFaults:
    """The faults of one trial: applies, reverts on schedule, and reverts what is left.

    A fault is active from the moment apply() is called (a half-applied fault is reverted too)
    until a revert() of it succeeded; a failed or interrupted revert leaves it active, so
    revert_all() tries it again. Applies and reverts run shielded: Ctrl-C or SIGTERM arriving
    meanwhile is delivered once the call returns, never halfway through a revert.
    """

    def __init__(self, faults: list[BuiltFault] | None = None) -> None:
        self._windows: dict[str, _Window] = {}
        self._active: list[str] = []
        self.rollbacks: list[RollbackEntry] = []
        for built in faults or []:
            self._windows[built.meta.id] = _Window(built)

    def apply(self, built: BuiltFault) -> None:
        w = self._windows.setdefault(built.meta.id, _Window(built))
        with shielded():
            self._active.append(built.meta.id)  # before apply(): a half-applied fault counts
            w.t_apply_called = time.time()
            try:
                built.fault.apply()
            except Exception as e:
                w.apply_error = f"{type(e).__name__}: {e}"
                raise
            finally:
                w.t_inject = time.time()

    def revert(self, fault_id: str) -> None:
        """Revert one fault now (its scheduled end). On failure it stays active and raises."""
        if fault_id not in self._active:
            return
        w = self._windows[fault_id]
        with shielded():
            if w.t_revert_called is None:
                w.t_revert_called = time.time()
            try:
                w.built.fault.revert()
            except Exception as e:
                w.revert_error = f"{type(e).__name__}: {e}"
                raise
            w.t_revert = time.time()
            w.revert_error = None
            self._active.remove(fault_id)

    @property
    def active(self) -> list[str]:
        return list(self._active)

    def revert_all(self, attempts: int = 2) -> list[RollbackEntry]:
        """Revert everything still in force, newest first, each on its own (one failure does
        not skip the others), each tried `attempts` times. Never raises; records failures."""
        done: list[RollbackEntry] = []
        with shielded():
            for fault_id in reversed(list(self._active)):
                entry = RollbackEntry(fault_id, time.time(), False, "not tried")
                for _ in range(attempts):
                    try:
                        self.revert(fault_id)
                        entry = RollbackEntry(fault_id, time.time(), True)
                        break
                    except Exception as e:  # a rollback must try every fault
                        entry = RollbackEntry(
                            fault_id, time.time(), False, f"{type(e).__name__}: {e}"
                        )
                done.append(entry)
        self.rollbacks.extend(done)
        return done

    def observed(self) -> tuple[FaultObservation, ...]:
        return tuple(w.observed() for w in self._windows.values())

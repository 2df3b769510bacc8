"""The revert guarantee, on fake faults: every applied fault is reverted, failures recorded."""

import os
import signal
import threading
import time

import pytest

from harness.errors import Interrupted
from harness.faults.meta import FaultMeta
from harness.faults.registry import BuiltFault
from harness.scenario.safety import AppliedFaults
from harness.signals import shielded, signals_raise


class FakeFault:
    def __init__(
        self, fid: str, *, fail_apply: bool = False, fail_revert: int = 0, slow: float = 0
    ) -> None:
        self.fail_apply = fail_apply
        self.fail_revert = fail_revert  # fail this many times, then succeed
        self.slow = slow
        self.applied = 0
        self.reverted = 0
        self.built = BuiltFault(FaultMeta(fid, "fake", "test", "nothing", False), self)

    def apply(self) -> None:
        self.applied += 1
        if self.fail_apply:
            raise RuntimeError("half applied")

    def revert(self) -> None:
        self.reverted += 1
        time.sleep(self.slow)
        if self.reverted <= self.fail_revert:
            raise RuntimeError("cannot revert")


def window(faults: AppliedFaults, fid: str):  # type: ignore[no-untyped-def]
    return next(o for o in faults.observed() if o.meta.id == fid)


def test_revert_all_reverts_newest_first_and_records_failures() -> None:
    faults = AppliedFaults()
    a, b, c = FakeFault("a"), FakeFault("b", fail_revert=99), FakeFault("c")
    for f in (a, b, c):
        faults.apply(f.built)
    done = faults.revert_all()
    assert [r.fault for r in done] == ["c", "b", "a"]
    assert [r.ok for r in done] == [True, False, True]
    assert "cannot revert" in (done[1].error or "")
    assert (a.reverted, b.reverted, c.reverted) == (1, 2, 1)  # b was tried twice
    assert faults.active == ["b"]  # still in force: `recover` must know


def test_a_failed_scheduled_revert_is_retried_by_the_rollback() -> None:
    faults = AppliedFaults()
    f = FakeFault("x", fail_revert=1)
    faults.apply(f.built)
    with pytest.raises(RuntimeError):
        faults.revert("x")
    assert faults.active == ["x"]
    (entry,) = faults.revert_all()
    assert entry.ok and f.reverted == 2
    assert window(faults, "x").revert_error is None


def test_a_signal_during_a_scheduled_revert_waits_for_it_to_finish() -> None:
    """SIGTERM arriving while a multi-instance revert runs must not cut it halfway (issue 12:
    one replica stayed dead and `rollbacks: []`)."""
    faults = AppliedFaults()
    f = FakeFault("x", slow=0.3)
    faults.apply(f.built)
    with pytest.raises(Interrupted), signals_raise():
        threading.Timer(0.1, os.kill, (os.getpid(), signal.SIGTERM)).start()
        faults.revert("x")
        time.sleep(5)
    assert faults.active == []
    assert window(faults, "x").t_revert is not None


def test_a_half_applied_fault_is_reverted_too() -> None:
    faults = AppliedFaults()
    f = FakeFault("x", fail_apply=True)
    with pytest.raises(RuntimeError):
        faults.apply(f.built)
    assert window(faults, "x").apply_error == "RuntimeError: half applied"
    faults.revert_all()
    assert f.reverted == 1


def test_reverted_on_time_is_not_reverted_again() -> None:
    faults = AppliedFaults()
    f = FakeFault("x")
    faults.apply(f.built)
    faults.revert("x")
    faults.revert_all()
    assert f.reverted == 1
    w = window(faults, "x")
    assert w.t_apply_called is not None and w.t_inject is not None and w.t_revert is not None
    assert w.t_apply_called <= w.t_inject <= w.t_revert


def test_sigterm_unwinds_through_finally() -> None:
    faults = AppliedFaults()
    f = FakeFault("x")
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Interrupted, match="SIGTERM"), signals_raise():
        try:
            faults.apply(f.built)
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)
        finally:
            faults.revert_all()
    assert f.reverted == 1
    assert signal.getsignal(signal.SIGTERM) is before  # restored afterwards


def test_sigint_interrupts_even_when_it_was_inherited_as_ignored() -> None:
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as in a background CI job
    try:
        with pytest.raises(KeyboardInterrupt), signals_raise():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(5)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # restored afterwards
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_signal_during_rollback_waits_until_it_is_done() -> None:
    order: list[str] = []
    with pytest.raises(Interrupted), signals_raise():
        with shielded():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(0.05)
            order.append("rollback finished")
        order.append("not reached")
    assert order == ["rollback finished"]

"""What a test may conclude from a trial run on this shared, noisy machine.

A timing test must hold with margin, or the harness must call the trial inconclusive and say
why (the brief). `assert_status` accepts `inconclusive` in place of the expected verdict only
when the trial's own evidence says the machine could not measure (it was starved, or the
baseline itself was not steady) and nothing else went wrong; any other difference fails.
"""

from __future__ import annotations

from harness.record import model as rec

STARVED = {"saturated", "unsteady_baseline"}


def starved(trial: rec.TrialRecord) -> bool:
    codes = {e.code for e in trial.evidence}
    return trial.status is rec.Status.INCONCLUSIVE and bool(codes) and codes <= STARVED


def assert_status(trial: rec.TrialRecord, expected: rec.Status) -> None:
    if expected is not rec.Status.INCONCLUSIVE and starved(trial):
        print(f"inconclusive on a starved machine: {[e.message for e in trial.evidence]}")
        return
    assert trial.status is expected, (
        trial.status,
        [e.message for e in trial.evidence],
        [
            (c.scope, c.name, c.observed, c.verdict, c.reason)
            for c in trial.checks
            if c.verdict != "pass"
        ],
    )


def assert_verdict(trial: rec.TrialRecord, check: rec.Check | None, expected: str) -> None:
    """A check's verdict; `inconclusive` stands in for it only on a starved trial (and a
    starved trial must never turn a failure into a pass, nor a pass into a failure)."""
    assert check is not None, f"no such check (expected {expected})"
    if starved(trial):
        assert check.verdict in (expected, "inconclusive"), (check, trial.evidence)
        return
    assert check.verdict == expected, (check, [e.message for e in trial.evidence])

"""judge(): a trial's record with its figures -> every check's verdict and the trial's status.

The one place a trial's status is decided (docs/metrics.md, "Evidence before a verdict"):
error > interrupted > aborted > failed > inconclusive > passed. Pure.
"""

from __future__ import annotations

from harness.record.model import Check, Status, TrialRecord
from harness.scenario.expectations import check_trial
from harness.scenario.schema import Scenario


def judge(scenario: Scenario, trial: TrialRecord) -> TrialRecord:
    checks = check_trial(scenario, trial)
    return trial.model_copy(update={"checks": checks, "status": status_of(trial, checks)})


def status_of(trial: TrialRecord, checks: list[Check]) -> Status:
    if (
        trial.errors
        or any(not r.ok for r in trial.rollbacks)
        or any(f.apply_error for f in trial.faults)
    ):
        return Status.ERROR
    if trial.interrupted is not None:
        return Status.INTERRUPTED
    if trial.abort is not None:
        return Status.ABORTED
    if any(c.verdict == "fail" for c in checks):
        return Status.FAILED
    if any(c.verdict == "inconclusive" for c in checks) or any(
        e.affects == "all" for e in trial.evidence
    ):
        return Status.INCONCLUSIVE
    return Status.PASSED

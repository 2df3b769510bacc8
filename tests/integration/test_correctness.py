"""Reconciliation on the real stack: the default profile keeps every promise about orders and
money; switching a pattern off makes the same scenario fail, and the checks say where."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.platforms.local import LocalPlatform
from harness.record import model as rec
from tests.verdicts import assert_status

from .test_scenarios import SCENARIOS, run_file

pytestmark = pytest.mark.integration


def counts(record: rec.RunRecord) -> dict[str, int]:
    trial = record.scenarios[0].trials[0]
    assert trial.reconciliation is not None and trial.reconciliation.error is None
    assert trial.reconciliation.settled
    return trial.reconciliation.counts


def test_lost_payment_replies_are_harmless_with_idempotency_keys(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    record = run_file(stack, SCENARIOS / "payment-reply-lost.yaml", tmp_path, 0.5)
    c = counts(record)
    assert c["lost_orders"] == c["double_charges"] == c["orphan_charges"] == 0
    trial = record.scenarios[0].trials[0]
    assert trial.reconciliation is not None and trial.reconciliation.acknowledged > 50
    assert_status(trial, rec.Status.PASSED)


def test_without_idempotency_the_same_replies_charge_twice(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    record = run_file(stack, SCENARIOS / "payment-reply-lost-no-idempotency.yaml", tmp_path, 0.5)
    c = counts(record)
    assert c["double_charges"] > 0 or c["orphan_charges"] > 0, c
    trial = record.scenarios[0].trials[0]
    assert_status(trial, rec.Status.FAILED)
    failed = {ch.name for ch in trial.checks if ch.verdict == "fail"}
    assert failed & {"double_charges", "orphan_charges"}


def test_without_the_outbox_a_shipping_outage_leaves_charges_without_orders(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    record = run_file(stack, SCENARIOS / "shipping-down-no-outbox.yaml", tmp_path, 0.5)
    assert counts(record)["orphan_charges"] > 0
    assert_status(record.scenarios[0].trials[0], rec.Status.FAILED)


@pytest.mark.postgres
def test_the_dr_drill_measures_rto_and_rpo(stack: LocalPlatform, tmp_path: Path) -> None:
    record = run_file(stack, SCENARIOS / "database-dr-drill.yaml", tmp_path, 0.7)
    trial = record.scenarios[0].trials[0]
    (fault,) = trial.faults
    d = fault.details
    assert int(d["backups"]) >= 2
    assert isinstance(d["rto"], float) and 0 < d["rto"] < 10
    # the restored backup is at most one interval (5 s; not scaled) and a backup's length old
    assert isinstance(d["rpo_seconds"], float) and 0 < d["rpo_seconds"] < 5.0 + 1.0
    assert trial.reconciliation is not None
    assert d["rpo_orders"] == trial.reconciliation.counts["lost_orders"]
    assert_status(trial, rec.Status.PASSED)
    assert trial.stack["db"] == "postgres"

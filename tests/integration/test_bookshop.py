"""The foreign example stack (examples/bookshop: Flask under gunicorn, PostgreSQL, PayGate behind
Toxiproxy) through the runner on the local platform: the faults take effect and reconciliation
runs on its own tables. Short phases (time scale 0.6)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.errors import HarnessError
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform
from harness.reconciliation.check import check_mapping
from harness.reconciliation.sources import reconcile_trial
from harness.record import model as rec
from harness.scenario.loader import load_file
from harness.scenario.runner import RunOptions, SilentUI, run

from .conftest import ROOT, leftovers, make_platform

pytestmark = [pytest.mark.integration, pytest.mark.postgres]
BOOKSHOP = ROOT / "examples" / "bookshop"


@pytest.fixture(scope="module")
def bookshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    platform = make_platform(tmp_path_factory.mktemp("bookshop"), BOOKSHOP / "stack.yaml")
    platform.up(StackOptions())
    try:
        yield platform
    finally:
        platform.down()
        assert leftovers(platform.state_dir) == []


def run_scenario(platform: LocalPlatform, name: str, reports: Path) -> rec.TrialRecord:
    loaded = load_file(BOOKSHOP / "scenarios" / f"{name}.yaml", platform.spec)
    opts = RunOptions(reports_dir=reports, seed=11, time_scale=0.6, keep_stack=True)
    record, _ = run([loaded], platform, opts, SilentUI())
    assert record.versions["gunicorn"] and "fastapi" not in record.versions
    trial = record.scenarios[0].trials[0]
    assert trial.errors == [], trial.errors
    r = trial.reconciliation
    assert r is not None and r.error is None, r
    assert r.orders > 0 and r.counts["lost_orders"] == 0 and r.counts["double_charges"] == 0
    return trial


def test_a_killed_storefront_tree_is_marked_down_and_comes_back(
    bookshop: LocalPlatform, tmp_path: Path
) -> None:
    trial = run_scenario(bookshop, "storefront-killed", tmp_path)
    (fault,) = trial.faults
    assert fault.metrics.lb_down_after is not None and fault.metrics.lb_down_after < 2.0
    assert fault.revert_error is None and fault.metrics.lb_up_after is not None
    assert trial.status is rec.Status.PASSED, [c for c in trial.checks if c.verdict == "fail"]


def test_a_paused_storefront_tree_is_taken_out(bookshop: LocalPlatform, tmp_path: Path) -> None:
    trial = run_scenario(bookshop, "storefront-paused", tmp_path)
    (fault,) = trial.faults
    assert fault.metrics.lb_down_after is not None  # every worker froze, not only the master
    assert trial.status is rec.Status.PASSED, [c for c in trial.checks if c.verdict == "fail"]


def test_paygate_down_fails_checkouts_only(bookshop: LocalPlatform, tmp_path: Path) -> None:
    """Checkouts fail while PayGate is down, browsing does not. A charge PayGate captured
    while the fault cut its reply is an orphan charge (the order failed): a race at the
    fault's edge the Bookshop really has (CI, 2026-12-01: 1 orphan charge in 95 charges, in
    one run of many). When it happens the scenario's `orphan_charges: 0` promise is broken and
    the verdict must say so; when it does not, everything passes."""
    trial = run_scenario(bookshop, "paygate-down", tmp_path)
    by_name = {s.name: s for s in trial.by_request}
    assert by_name["POST /checkout"].failures > 0  # the payment failures reach checkout
    assert by_name["GET /books"].failures == 0
    r = trial.reconciliation
    assert r is not None and r.confirmed < r.orders
    orphans = r.counts["orphan_charges"]
    assert orphans <= 2, r  # only replies cut at the fault's edges, not a systematic loss
    (check,) = [c for c in trial.checks if c.name == "orphan_charges"]
    assert check.verdict == ("fail" if orphans else "pass"), check
    expected = rec.Status.FAILED if orphans else rec.Status.PASSED
    assert trial.status is expected, [c for c in trial.checks if c.verdict == "fail"]


def test_the_mapping_is_checked_against_the_live_tables(bookshop: LocalPlatform) -> None:
    """The shipped mapping passes (timestamptz columns accepted); a wrong column name is an
    error located at its key, also when reconciling (no KeyError in the middle of a run)."""
    endpoints = bookshop.endpoints()
    host = {"Host": "bookshop.local"}
    basket = requests.post(f"{endpoints.entry_url}/basket", json={}, headers=host, timeout=10)
    order = requests.post(
        f"{endpoints.entry_url}/checkout",
        json={"basket": basket.json()["basket"]},
        headers={**host, "X-Checkout-Token": "mapping-check"},
        timeout=10,
    )
    assert order.status_code == 201, order.text
    assert check_mapping(bookshop.spec, endpoints).problems == []
    rec_spec = bookshop.spec.reconciliation
    assert rec_spec is not None
    wrong = rec_spec.model_copy(
        update={"order_fields": rec_spec.order_fields.model_copy(update={"status": "status"})}
    )
    spec = bookshop.spec.model_copy(update={"reconciliation": wrong})
    (problem,) = check_mapping(spec, endpoints).problems
    assert problem.path == "reconciliation.order_fields.status"
    assert "column 'status'" in problem.message and "state" in problem.message
    with pytest.raises(HarnessError) as exc:
        reconcile_trial(spec, endpoints, [], since=0.0)
    assert "reconciliation.order_fields.status" in str(exc.value)

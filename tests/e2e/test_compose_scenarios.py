"""Real scenarios on Docker Compose, through the runner, at half speed: the measured numbers.

Needs a Docker engine (started if none answers) and the images of `make compose-setup`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.platforms.base import StackOptions
from harness.platforms.compose import ComposePlatform
from harness.platforms.factory import make_platform
from harness.record import model as rec
from harness.scenario.loader import load_file
from harness.scenario.runner import RunOptions, SilentUI, run
from tests.docker_engine import require_engine
from tests.integration.conftest import assert_payment_outage_hit_only_checkouts, wait_until
from tests.verdicts import assert_status

pytestmark = pytest.mark.e2e
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposePlatform]:
    require_engine()
    platform = make_platform(
        "compose", state_dir=tmp_path_factory.mktemp("e2e"), entry_port=0, toxiproxy_port=0
    )
    assert isinstance(platform, ComposePlatform)
    platform.up(StackOptions())
    try:
        yield platform
    finally:
        platform.down()
        assert platform.docker().leftovers() == []


def run_file(
    platform: ComposePlatform, name: str, reports: Path, scale: float = 0.5
) -> rec.RunRecord:
    loaded = load_file(SCENARIOS / name, platform.spec)
    opts = RunOptions(reports_dir=reports, seed=7, time_scale=scale, keep_stack=True)
    record, _ = run([loaded], platform, opts, SilentUI())
    assert record.platform == "compose"
    return record


def assert_clean(platform: ComposePlatform) -> None:
    """No fault left behind: every proxy enabled without toxics, every instance running and UP."""
    for proxy in ToxiproxyClient(platform.endpoints().toxiproxy_url).proxies().values():
        assert proxy.enabled and proxy.toxics == (), proxy
    wait_until("the stack healthy", lambda: platform.status().healthy, timeout=20)


def test_a_killed_replica_is_marked_down_and_customers_barely_notice(
    compose: ComposePlatform, tmp_path: Path
) -> None:
    record = run_file(compose, "one-replica-killed.yaml", tmp_path)
    trial = record.scenarios[0].trials[0]
    (fault,) = trial.faults
    m = fault.metrics
    assert trial.errors == [], trial.errors
    # a dead container's address black-holes the health check (an L4 timeout, not a refused
    # connection as on loopback): fall 2 checks at inter 500 ms, each up to 500 ms
    assert m.lb_down_after is not None and m.lb_down_after < 3.0
    assert m.errors <= 3
    assert trial.overall is not None and trial.overall.error_rate < 0.01
    assert m.time_to_recover is not None and m.time_to_recover < 5.0
    # the revert started the container again and waited for it to be ready; back in rotation
    assert fault.t_revert is not None and fault.revert_error is None
    assert_clean(compose)


def test_a_payment_outage_fails_only_checkouts_and_only_while_it_lasts(
    compose: ComposePlatform, tmp_path: Path
) -> None:
    record = run_file(compose, "payment-outage.yaml", tmp_path)
    assert_payment_outage_hit_only_checkouts(record, tmp_path, max_recover=7.0)
    assert_clean(compose)


def test_the_dr_drill_restores_the_containers_database_and_measures_rto_and_rpo(
    compose: ComposePlatform, tmp_path: Path
) -> None:
    record = run_file(compose, "database-dr-drill.yaml", tmp_path, 0.7)
    trial = record.scenarios[0].trials[0]
    (fault,) = trial.faults
    d = fault.details
    assert fault.revert_error is None and trial.errors == [], trial.errors
    assert int(d["backups"]) >= 2
    assert isinstance(d["rto"], float) and 0 < d["rto"] < 15
    assert isinstance(d["rpo_seconds"], float) and 0 < d["rpo_seconds"] < 5.0 + 2.0
    assert trial.reconciliation is not None
    assert d["rpo_orders"] == trial.reconciliation.counts["lost_orders"]
    assert_status(trial, rec.Status.PASSED)
    assert_clean(compose)

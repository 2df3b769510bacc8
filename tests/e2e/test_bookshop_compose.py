"""The Bookshop on Docker Compose from its own, unchanged Compose file (examples/bookshop/
compose.yaml): shopchaos's override adds HAProxy, Toxiproxy and the storefront replicas; the
instance and dependency scenarios take effect and reconciliation reads the Bookshop's tables.

Needs a Docker engine and the images of `make compose-setup` (bookshop/app included).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.platforms.base import StackOptions
from harness.platforms.compose import ComposePlatform
from harness.platforms.factory import make_platform
from harness.record import model as rec
from harness.scenario.loader import load_file
from harness.scenario.runner import RunOptions, SilentUI, run
from tests.docker_engine import require_engine

pytestmark = pytest.mark.e2e
BOOKSHOP = Path(__file__).resolve().parents[2] / "examples" / "bookshop"


@pytest.fixture(scope="module")
def bookshop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ComposePlatform]:
    require_engine()
    platform = make_platform(
        "compose",
        stack=BOOKSHOP / "stack.yaml",
        state_dir=tmp_path_factory.mktemp("bookshop-e2e"),
        entry_port=0,
        toxiproxy_port=0,
    )
    assert isinstance(platform, ComposePlatform)
    assert platform.compose_file == (BOOKSHOP / "compose.yaml").resolve()
    platform.up(StackOptions())
    try:
        yield platform
    finally:
        platform.down()
        assert platform.docker().leftovers() == []


def run_scenario(platform: ComposePlatform, name: str, reports: Path) -> rec.TrialRecord:
    loaded = load_file(BOOKSHOP / "scenarios" / f"{name}.yaml", platform.spec)
    opts = RunOptions(reports_dir=reports, seed=5, time_scale=0.6, keep_stack=True)
    record, _ = run([loaded], platform, opts, SilentUI())
    trial = record.scenarios[0].trials[0]
    assert trial.errors == [], trial.errors
    r = trial.reconciliation
    assert r is not None and r.error is None and r.orders > 0, r
    assert r.counts["lost_orders"] == 0 and r.counts["double_charges"] == 0
    return trial


def test_the_teams_services_run_as_written_with_ours_added(bookshop: ComposePlatform) -> None:
    running = set(bookshop.docker().containers())
    assert {"db", "migrate", "paygate", "shopchaos-haproxy", "shopchaos-toxiproxy"} <= running
    assert {"storefront-1", "storefront-2", "storefront-3"} <= running
    assert "storefront" not in running  # the team's own service is copied, not started
    assert bookshop.status().healthy


def test_kill_and_pause_take_a_replica_out(bookshop: ComposePlatform, tmp_path: Path) -> None:
    for name in ("storefront-killed", "storefront-paused"):
        trial = run_scenario(bookshop, name, tmp_path / name)
        (fault,) = trial.faults
        assert fault.metrics.lb_down_after is not None, name
        assert fault.revert_error is None


def test_paygate_down_reaches_checkout(bookshop: ComposePlatform, tmp_path: Path) -> None:
    trial = run_scenario(bookshop, "paygate-down", tmp_path)
    by_name = {s.name: s for s in trial.by_request}
    assert by_name["POST /checkout"].failures > 0
    assert by_name["GET /books"].failures == 0

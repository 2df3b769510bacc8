"""The Platform contract (harness/platforms/base.py), run against every platform.

Local always; Compose is marked e2e and needs a Docker engine (tests/docker_engine.py starts
one if it can) and the images from `make compose-setup`. One stack per platform, in order:
up and healthy, an order through the load balancer, a killed replica, a paused one, a
partitioned one (where the platform can), adopting a running stack, and down leaving nothing
behind even with its state file gone.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms.base import Platform, StackOptions, SupportsPartition
from harness.platforms.compose import ComposePlatform
from harness.platforms.factory import make_platform
from tests.docker_engine import require_engine

from .conftest import leftovers, place_order, wait_until

pytestmark = pytest.mark.integration

PLATFORMS = [
    pytest.param("local", id="local"),
    pytest.param("compose", id="compose", marks=pytest.mark.e2e),
]


def remains(platform: Platform) -> list[str]:
    """What the stack still has running: processes (local) or containers/networks/volumes."""
    if isinstance(platform, ComposePlatform):
        return platform.docker().leftovers()
    return leftovers(platform.state_dir)  # type: ignore[attr-defined]


def lb_state(platform: Platform, server: str) -> str:
    e = platform.endpoints()
    states = {s.server: s.status for s in HAProxyRuntime(e.lb_runtime).servers(e.lb_backend)}
    return states.get(server, "?")


def new_platform(name: str, state_dir: Path) -> Platform:
    return make_platform(
        "compose" if name == "compose" else "local",
        state_dir=state_dir,
        entry_port=0,
        toxiproxy_port=0,
    )


@pytest.fixture(scope="module", params=PLATFORMS)
def platform(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Platform]:
    if request.param == "compose":
        require_engine()
    plat = new_platform(request.param, tmp_path_factory.mktemp(f"contract-{request.param}"))
    plat.up(StackOptions())
    try:
        yield plat
    finally:
        plat.down()
        assert remains(plat) == []


class Traffic:
    """Browsing in a thread while a test breaks things: every answer's status (0: no answer)."""

    def __init__(self, entry: str) -> None:
        self.entry = entry
        self.statuses: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        s = requests.Session()
        while not self._stop.is_set() and len(self.statuses) < 100_000:
            try:
                self.statuses.append(s.get(f"{self.entry}/products", timeout=5).status_code)
            except requests.RequestException:
                self.statuses.append(0)

    def __enter__(self) -> Traffic:
        self._thread.start()
        wait_until("some traffic", lambda: len(self.statuses) > 20)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)


def test_up_is_healthy_and_an_order_goes_through_the_load_balancer(platform: Platform) -> None:
    st = platform.status()
    assert st.healthy, st
    assert [i.ref.name for i in st.instances if i.ref.service == "shop"] == [
        "shop-1",
        "shop-2",
        "shop-3",
    ]
    assert all(i.ref.address.startswith("127.0.0.1:") for i in st.instances)
    e = platform.endpoints()
    r = place_order(e.entry_url, uuid.uuid4().hex)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "confirmed" and order["shipping_status"] == "labelled"
    assert r.headers["x-request-id"]  # HAProxy set one and the shop passed it back
    ledger = requests.get(e.service_urls["payment"] + "/ledger", timeout=5).json()
    assert order["order_id"] in {c["reference"] for c in ledger["charges"]}
    labels = requests.get(e.service_urls["shipping"] + "/labels", timeout=5).json()["labels"]
    assert order["order_id"] in {lbl["order_id"] for lbl in labels}


def test_a_killed_replica_is_marked_down_checkouts_go_on_and_it_comes_back(
    platform: Platform,
) -> None:
    e = platform.endpoints()
    with Traffic(e.entry_url) as traffic:
        platform.kill("shop-2")
        assert platform.process_state("shop-2") == "exited"
        wait_until("the LB to mark shop-2 down", lambda: lb_state(platform, "shop-2") == "DOWN")
        for _ in range(5):
            assert place_order(e.entry_url, uuid.uuid4().hex).status_code == 201
    failed = [s for s in traffic.statuses if s != 200]
    # the recommended profile retries elsewhere: at most a request caught mid-flight fails
    assert len(failed) <= 2, f"{failed} of {len(traffic.statuses)} (recommended profile)"
    platform.start("shop-2")
    assert platform.process_state("shop-2") == "running"
    wait_until("shop-2 back UP", lambda: lb_state(platform, "shop-2") == "UP")
    assert platform.status().healthy


def test_a_paused_replica_is_taken_out_and_comes_back(platform: Platform) -> None:
    platform.pause("shop-3")
    try:
        assert platform.process_state("shop-3") == "paused"
        wait_until("the LB to take shop-3 out", lambda: lb_state(platform, "shop-3") == "DOWN")
        assert place_order(platform.endpoints().entry_url, uuid.uuid4().hex).status_code == 201
    finally:
        platform.resume("shop-3")
    assert platform.process_state("shop-3") == "running"
    wait_until("shop-3 back UP", lambda: lb_state(platform, "shop-3") == "UP")


def test_a_partitioned_replica_is_taken_out_and_comes_back(platform: Platform) -> None:
    if not isinstance(platform, SupportsPartition):
        assert platform.name == "local"  # every instance shares loopback: nothing to cut
        pytest.skip("the local platform cannot partition an instance (by design)")
    platform.partition("shop-1")
    try:
        assert platform.is_partitioned("shop-1")
        wait_until("the LB to mark shop-1 down", lambda: lb_state(platform, "shop-1") == "DOWN")
        assert place_order(platform.endpoints().entry_url, uuid.uuid4().hex).status_code == 201
    finally:
        platform.heal("shop-1")
    assert not platform.is_partitioned("shop-1")
    wait_until("shop-1 back UP", lambda: lb_state(platform, "shop-1") == "UP")
    assert platform.status().healthy


def test_up_again_adopts_and_other_options_are_refused(platform: Platform) -> None:
    same = new_platform(platform.name, platform.state_dir.parent)  # type: ignore[attr-defined]
    assert same.up(StackOptions()).entry_url == platform.endpoints().entry_url
    with pytest.raises(StackError, match="already up, but it runs with other options"):
        same.up(StackOptions(replicas=2))


def test_down_leaves_nothing_even_without_its_state_file(platform: Platform) -> None:
    state_dir: Path = platform.state_dir  # type: ignore[attr-defined]
    assert remains(platform)
    (state_dir / "stack.json").unlink()  # as after a crash that lost it
    platform.down()
    assert remains(platform) == []
    assert not platform.is_up()
    platform.down()  # twice is fine

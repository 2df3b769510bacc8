"""The local platform against real HAProxy, Toxiproxy, uvicorn (and PostgreSQL)."""

from __future__ import annotations

import os
import socket
import threading
import uuid
from pathlib import Path

import pytest
import requests

from harness.errors import PortInUseError, StackError
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform

from .conftest import leftovers, make_platform, place_order, wait_until

pytestmark = pytest.mark.integration


def lb_state(platform: LocalPlatform, server: str) -> str:
    e = platform.endpoints()
    states = {s.server: s.status for s in HAProxyRuntime(e.lb_runtime).servers(e.lb_backend)}
    return states.get(server, "?")


def test_an_order_goes_through_the_whole_chain(stack: LocalPlatform) -> None:
    st = stack.status()
    assert st.healthy
    assert [i.ref.name for i in st.instances if i.ref.service == "shop"] == [
        "shop-1",
        "shop-2",
        "shop-3",
    ]
    e = stack.endpoints()
    r = place_order(e.entry_url, uuid.uuid4().hex)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "confirmed" and order["shipping_status"] == "labelled"
    assert r.headers["x-request-id"]  # HAProxy set one and the shop passed it back
    ledger = requests.get(e.service_urls["payment"] + "/ledger", timeout=5).json()
    assert order["order_id"] in {c["reference"] for c in ledger["charges"]}
    labels = requests.get(e.service_urls["shipping"] + "/labels", timeout=5).json()["labels"]
    assert order["order_id"] in {lbl["order_id"] for lbl in labels}


def test_killed_replica_is_marked_down_and_checkouts_go_on(stack: LocalPlatform) -> None:
    e = stack.endpoints()
    stop = threading.Event()
    results: list[int] = []

    def traffic() -> None:
        s = requests.Session()
        while not stop.is_set():
            try:
                results.append(s.get(f"{e.entry_url}/products", timeout=5).status_code)
            except requests.RequestException:
                results.append(0)

    worker = threading.Thread(target=traffic)
    worker.start()
    try:
        wait_until("some traffic", lambda: len(results) > 50)
        stack.kill("shop-2")
        assert stack.process_state("shop-2") == "exited"
        wait_until("HAProxy to mark shop-2 down", lambda: lb_state(stack, "shop-2") == "DOWN")
        for _ in range(5):
            assert place_order(e.entry_url, uuid.uuid4().hex).status_code == 201
    finally:
        stop.set()
        worker.join(10)
    assert results.count(200) == len(results), "the recommended profile hides a SIGKILL"
    stack.start("shop-2")
    wait_until("shop-2 back UP", lambda: lb_state(stack, "shop-2") == "UP")
    assert stack.status().healthy


def test_paused_replica_is_taken_out_and_comes_back(stack: LocalPlatform) -> None:
    stack.pause("shop-3")
    try:
        assert stack.process_state("shop-3") == "paused"
        wait_until(
            "HAProxy to mark the frozen shop-3 down", lambda: lb_state(stack, "shop-3") == "DOWN"
        )
        assert place_order(stack.endpoints().entry_url, uuid.uuid4().hex).status_code == 201
    finally:
        stack.resume("shop-3")
    wait_until("shop-3 back UP", lambda: lb_state(stack, "shop-3") == "UP")


def test_up_again_adopts_and_other_options_are_refused(stack: LocalPlatform) -> None:
    same = make_platform(stack.state_dir)
    assert same.up(StackOptions()).entry_url == stack.endpoints().entry_url
    with pytest.raises(StackError, match="already up with other options"):
        same.up(StackOptions(replicas=2))


def test_a_taken_port_is_named_with_its_holder(state_root: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        spec_platform = make_platform(state_root / "ports")
        platform = LocalPlatform(
            spec_platform.spec, state_root / "ports", entry_port=port, toxiproxy_port=0
        )
        with pytest.raises(PortInUseError) as exc:
            platform.up(StackOptions())
    assert f"port {port}" in exc.value.message
    assert f"pid {os.getpid()}" in exc.value.message  # the holder: this test process
    assert leftovers(platform.state_dir) == []


def test_a_replica_that_dies_at_start_is_named_and_cleaned_up(state_root: Path) -> None:
    stack_file = state_root / "broken-stack.yaml"
    base = Path(__file__).resolve().parents[2] / "sample_shop" / "stack.yaml"
    stack_file.write_text(
        base.read_text().replace(
            '"sample_shop.shop.app:create_app"', '"sample_shop.shop.no_such_module:create_app"'
        )
    )
    platform = make_platform(state_root / "broken", stack_file)
    with pytest.raises(StackError) as exc:
        platform.up(StackOptions())
    assert "shop-1 exited during start-up" in exc.value.message
    assert "no_such_module" in exc.value.message  # its last log lines
    assert leftovers(platform.state_dir) == []
    assert not platform.is_up()


def test_down_finds_processes_even_when_the_state_file_is_gone(state_root: Path) -> None:
    platform = make_platform(state_root / "lost")
    platform.up(StackOptions(replicas=1))
    (platform.state_dir / "stack.json").unlink()
    assert leftovers(platform.state_dir)
    stopped = platform.down()
    assert any("orphan" in s for s in stopped)
    assert leftovers(platform.state_dir) == []


@pytest.mark.postgres
def test_postgres_stack_places_orders_and_leaves_nothing(state_root: Path) -> None:
    platform = make_platform(state_root / "pg")
    platform.up(StackOptions(db="postgres", replicas=2))
    try:
        e = platform.endpoints()
        assert e.database_url.startswith("postgresql://")
        assert "database" in e.proxies
        for _ in range(3):
            assert place_order(e.entry_url, uuid.uuid4().hex).status_code == 201
        import psycopg

        with psycopg.connect(e.database_url, connect_timeout=5) as conn:
            n = conn.execute("SELECT count(*) FROM orders WHERE status = 'confirmed'").fetchone()
        assert n is not None and n[0] == 3
        pg_dir = Path(platform.store.load().pg_dir or "")  # type: ignore[union-attr]
        assert pg_dir.is_dir()
    finally:
        platform.down()
    assert not pg_dir.exists()
    assert leftovers(platform.state_dir) == []


def test_a_new_stack_starts_from_empty_data(state_root: Path) -> None:
    platform = make_platform(state_root / "fresh")
    platform.up(StackOptions(replicas=1))
    try:
        assert place_order(platform.endpoints().entry_url, uuid.uuid4().hex).status_code == 201
    finally:
        platform.down()
    platform.up(StackOptions(replicas=1))
    try:
        e = platform.endpoints()
        assert requests.get(e.entry_url + "/admin/orders", timeout=5).json()["orders"] == []
        ledger = requests.get(e.service_urls["payment"] + "/ledger", timeout=5).json()
        assert ledger["charges"] == []
        assert (platform.state_dir / "logs.previous" / "shop-1.log").is_file()
    finally:
        platform.down()

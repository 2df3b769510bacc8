"""The local platform against real HAProxy, Toxiproxy, uvicorn (and PostgreSQL)."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
import requests

from harness.errors import PortInUseError, StackError
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform

from .conftest import leftovers, make_platform, place_order

pytestmark = pytest.mark.integration


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

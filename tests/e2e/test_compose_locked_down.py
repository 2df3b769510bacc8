"""What differs on Compose: the stack's lock and adoption work the same; the profile's env reaches
the containers through `docker compose up`'s environment (no value in any file); the state is
private except the HAProxy config the container reads; every published port is on loopback;
PostgreSQL asks every TCP client for the password `up` generated, kept only in the 0600 secrets
file, which the harness's own database clients (reconciliation, the DR drill) use."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest

from harness.errors import StackError
from harness.platforms import _lock
from harness.platforms._private_files import mode
from harness.platforms.base import StackOptions
from harness.platforms.compose import ComposePlatform
from harness.platforms.factory import make_platform
from tests.docker_engine import require_engine
from tests.integration.conftest import place_order

pytestmark = pytest.mark.e2e


def test_a_compose_stack_is_locked_down_and_adopted_only_as_started(tmp_path: Path) -> None:
    require_engine()
    platform = make_platform("compose", state_dir=tmp_path, entry_port=0, toxiproxy_port=0)
    assert isinstance(platform, ComposePlatform)
    said: list[str] = []
    platform.up(StackOptions(replicas=1, profile="no-breaker"), said.append)
    try:
        assert not _lock.is_held_here(platform.state_dir)  # held for up only, then released
        root = platform.state_dir
        assert mode(root) == 0o700
        assert mode(root / "stack.json") == 0o600
        assert mode(root / "compose.override.yml") == 0o600
        assert mode(root / "haproxy.cfg") == 0o644  # the container's haproxy user reads it
        assert "SHOP_BREAKER" in (root / "compose.override.yml").read_text()
        state = json.loads((root / "stack.json").read_text())
        assert state["options"]["backend_env"] == {"SHOP_BREAKER": "<redacted>"}
        assert set(state["files"]) == {str(platform.spec_path), str(platform.compose_file)}
        env = platform.docker().container("shop-1").attrs["Config"]["Env"]
        assert "SHOP_BREAKER=off" in env  # the value came by environment
        for c in platform.docker().containers().values():
            for binds in (c.attrs["HostConfig"]["PortBindings"] or {}).values():
                assert all(b["HostIp"] == "127.0.0.1" for b in binds or [])
        assert platform.status().healthy
        assert place_order(platform.endpoints().entry_url, uuid.uuid4().hex).status_code == 201

        # PostgreSQL: no password, no connection; the generated one, in the 0600 file only
        assert mode(root / "secrets.json") == 0o600
        password = json.loads((root / "secrets.json").read_text())["db_password"]
        assert len(password) >= 24
        for name in ("stack.json", "compose.override.yml", "haproxy.cfg"):
            assert password not in (root / name).read_text()
        url = platform.endpoints().database_url
        assert urlsplit(url).password == password
        bare = url.replace(f":{password}@", "@")
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(bare, connect_timeout=5, password="").close()
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            psycopg.connect(bare, connect_timeout=5, password="wrong").close()
        with psycopg.connect(url, connect_timeout=5) as conn:
            assert conn.execute("select count(*) from orders").fetchone()[0] >= 1
        assert platform.database_exists()  # the DR drill's client tools (PGPASSWORD)

        again = make_platform("compose", state_dir=tmp_path, entry_port=0, toxiproxy_port=0)
        again.up(StackOptions(replicas=1, profile="no-breaker"), said.append)
        assert "adopting it" in said[-1]
        with pytest.raises(StackError, match="already up, but it runs with other options"):
            again.up(StackOptions(replicas=1))
    finally:
        platform.down()
    assert platform.docker().leftovers() == []
    assert not (platform.state_dir / "secrets.json").exists()

"""A locked-down local stack, against the real processes: PostgreSQL never trusts TCP and runs
with its own group, state and data are private, secrets from the stack file stay in process
environments, and a stack that would listen beyond loopback is refused."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

import psutil
import psycopg
import pytest

from harness.errors import StackError
from harness.platforms._private_files import mode
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform
from harness.stack.loader import default_stack_path

from .conftest import leftovers, make_platform, place_order, wait_until

pytestmark = pytest.mark.integration

# Listens on {host}:{port} for HTTP (always 200) and, beyond loopback, on 0.0.0.0 (never accepts).
EXPOSED_SERVICE = """\
import http.server, socket, sys


class Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


probe = http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Ok)
leak = socket.socket()
leak.bind(("0.0.0.0", 0))
leak.listen()
probe.serve_forever()
"""


def stack_with_secrets(tmp_path: Path, token: str, flag: str) -> Path:
    """The sample shop as `locked-shop`, with a token in payment's env and a secret in the
    default profile's env (the LB backend's)."""
    text = default_stack_path().read_text().replace("name: sample-shop", "name: locked-shop", 1)
    text = text.replace(
        '        PAYMENT_DB: "{state_dir}/payment.db"\n',
        f'        PAYMENT_DB: "{{state_dir}}/payment.db"\n        PAYMENT_API_TOKEN: "{token}"\n',
    )
    text = text.replace(
        "    description: every resilience pattern on (timeouts, retries, breaker, idempotency, "
        "outbox)\n",
        f'    description: every pattern on\n    env: {{SHOP_API_SECRET: "{flag}"}}\n',
    )
    assert token in text and flag in text
    path = tmp_path / "locked-shop.yaml"
    path.write_text(text)
    return path


def files_containing(roots: list[Path], needle: str) -> list[str]:
    found = []
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_socket():
                try:
                    if needle.encode() in path.read_bytes():
                        found.append(str(path))
                except OSError:
                    continue
    return found


@pytest.mark.postgres
def test_a_postgres_stack_is_locked_down(state_root: Path, tmp_path: Path) -> None:
    token, flag = f"tok-{uuid.uuid4().hex}", f"flag-{uuid.uuid4().hex}"
    stack_file = stack_with_secrets(tmp_path, token, flag)
    platform = make_platform(state_root / "locked" / "local-locked-shop", stack_file)
    platform.up(StackOptions(db="postgres", replicas=1))
    try:
        state = json.loads((platform.state_dir / "stack.json").read_text())
        pg_dir = Path(state["pg_dir"])
        password = json.loads((platform.state_dir / "secrets.json").read_text())["db_password"]
        _check_postgres(platform, state, pg_dir)
        _check_private_files(platform)
        # secrets: in the processes' environments, in no file but the 0600 secrets file
        payment = psutil.Process(state["procs"]["payment"]["pid"])
        assert payment.environ()["PAYMENT_API_TOKEN"] == token
        assert "PGPASSWORD" not in payment.environ()  # payment does not use the database
        shop = psutil.Process(state["procs"]["shop-1"]["pid"]).environ()
        assert shop["SHOP_API_SECRET"] == flag and shop["PGPASSWORD"] == password
        roots = [platform.state_dir, pg_dir]
        assert files_containing(roots, token) == []
        assert files_containing(roots, flag) == []
        assert files_containing(roots, password) == [str(platform.state_dir / "secrets.json")]
        assert state["procs"]["payment"]["env"]["PAYMENT_API_TOKEN"] == "<redacted>"
        assert state["options"]["backend_env"] == {"SHOP_API_SECRET": "<redacted>"}
        # the services reach the database with it (through Toxiproxy), the DR drill too
        entry = platform.endpoints().entry_url
        assert place_order(entry, uuid.uuid4().hex).status_code == 201
        platform.backup_database(tmp_path / "backup.dump")
        assert (tmp_path / "backup.dump").stat().st_size > 0
        assert platform.database_exists()  # what `recover` asks after a drill cut short
        _check_restart_uses_the_file(platform, stack_file, entry)
    finally:
        platform.down()
    assert leftovers(platform.state_dir) == []
    assert not (platform.state_dir / "secrets.json").exists()
    assert not pg_dir.exists()


def _check_postgres(platform: LocalPlatform, state: dict, pg_dir: Path) -> None:  # type: ignore[type-arg]
    hba = (pg_dir / "data" / "pg_hba.conf").read_text().splitlines()
    rules = [line.split() for line in hba if line.strip() and not line.startswith("#")]
    assert rules and all(r[-1] == "scram-sha-256" for r in rules), rules
    direct = state["db_direct_url"]
    assert ":" not in direct.split("//", 1)[1].split("@", 1)[0]  # stored without the password
    with pytest.raises(psycopg.OperationalError, match="no password supplied"):
        psycopg.connect(direct, connect_timeout=5)
    wrong = direct.replace("shop@", "shop:wrong@", 1)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)
    with psycopg.connect(platform.endpoints().database_url, connect_timeout=5) as conn:
        conn.execute("CREATE TEMP TABLE who (line text)")
        conn.execute("COPY who FROM PROGRAM 'id'")
        row = conn.execute("SELECT line FROM who").fetchone()
    assert row is not None
    if os.geteuid() == 0:  # started as root: the server runs as postgres with its own groups
        assert "gid=0(" not in row[0] and "(root)" not in row[0], row[0]
        gids = psutil.Process(state["procs"]["postgres"]["pid"]).gids()
        assert 0 not in (gids.real, gids.effective, gids.saved)


def _check_private_files(platform: LocalPlatform) -> None:
    root = platform.state_dir
    assert mode(root) == 0o700 and mode(root.parent) == 0o700
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            assert mode(path) == 0o700, path
        elif path.is_file():
            assert mode(path) == 0o600, path
    names = {p.name for p in (root / "data").iterdir()}
    assert {"payment.db", "shipping.db"} <= names  # SQLite files, made by the services


def _check_restart_uses_the_file(platform: LocalPlatform, stack_file: Path, entry: str) -> None:
    """An instance started again gets its environment from the stack file, which must be the
    one the stack came up from."""
    platform.kill("shop-1")
    original = stack_file.read_text()
    stack_file.write_text(original + "\n# edited\n")
    with pytest.raises(StackError, match="changed since the stack was brought up"):
        platform.start("shop-1")
    stack_file.write_text(original)
    platform.start("shop-1")
    state = platform.store.load()
    assert state is not None
    env = psutil.Process(state.procs["shop-1"].pid).environ()
    assert env["SHOP_DB_URL"].startswith("postgresql://shop@") and env["PGPASSWORD"]
    wait_until("the stack healthy again", lambda: platform.status().healthy, timeout=30)
    assert place_order(entry, uuid.uuid4().hex).status_code == 201


def test_a_stack_that_would_listen_beyond_loopback_is_refused_and_removed(
    state_root: Path, tmp_path: Path
) -> None:
    script = tmp_path / "exposed_service.py"
    script.write_text(EXPOSED_SERVICE)
    stack_file = tmp_path / "exposed.yaml"
    stack_file.write_text(
        "name: exposed\n"
        "services:\n"
        "  web:\n"
        "    health: {live: /, ready: /}\n"
        f'    local: {{command: ["{{python}}", "{script}", "{{host}}", "{{port}}"]}}\n'
        "load_balancer: {backend: web}\n"
    )
    platform = make_platform(state_root / "exposed" / "local-exposed", stack_file)
    with pytest.raises(StackError) as exc:
        platform.up(StackOptions())
    assert "the stack would listen beyond loopback: web-1 (pid" in exc.value.message
    assert "listens on 0.0.0.0:" in exc.value.message
    assert "{host}" in (exc.value.hint or "")
    assert leftovers(platform.state_dir) == []
    assert not platform.is_up()

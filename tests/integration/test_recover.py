"""`recover` finishes a DR drill a SIGKILL cut short, against a real PostgreSQL: the journal the
drill writes before the drop ("destroying") and after it ("restoring") is all `recover` has."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import psycopg
import pytest

from harness.faults import dr_journal
from harness.platforms.base import StackOptions
from harness.recover import recover

from .conftest import make_platform, place_order, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def _orders(url: str) -> int:
    with psycopg.connect(url, connect_timeout=5) as conn:
        row = conn.execute("select count(*) from orders").fetchone()
        assert row is not None
        return int(row[0])


def test_recover_restores_a_dropped_database_and_leaves_a_living_one(
    state_root: Path, tmp_path: Path
) -> None:
    platform = make_platform(state_root / "recover-dr")
    platform.up(StackOptions(db="postgres", replicas=1))
    try:
        endpoints = platform.endpoints()
        assert place_order(endpoints.entry_url, uuid.uuid4().hex).status_code == 201
        backups = tmp_path / "drill"
        backup = backups / "backup-1.dump"
        platform.backup_database(backup)
        before = _orders(endpoints.database_url)

        # cut short before the drop: the database is there, nothing to restore
        pending = dr_journal.Pending("destroying", str(backup), str(backups), "dr", time.time())
        dr_journal.write(platform.state_dir, pending)
        said = recover(platform)
        assert not any("database" in line for line in said)
        assert dr_journal.read(platform.state_dir) is None
        assert not backups.exists()  # kept only until the drill is settled

        # cut short after the drop ("destroying" still journaled): restored from the backup
        platform.backup_database(backup)
        dr_journal.write(platform.state_dir, pending)
        platform.destroy_database()
        assert not platform.database_exists()
        said = recover(platform)
        assert any(line.startswith("database: restored from the backup") for line in said)
        assert platform.database_exists()
        assert _orders(endpoints.database_url) == before
        assert dr_journal.read(platform.state_dir) is None
        # the shop serves again once its readiness (the database) is back: HAProxy's checks
        wait_until("the stack serving again", lambda: platform.status().healthy, timeout=30)
        assert place_order(endpoints.entry_url, uuid.uuid4().hex).status_code == 201
    finally:
        platform.down()

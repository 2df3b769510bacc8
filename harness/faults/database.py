"""The disaster-recovery drill: back up the database periodically under load, destroy it, and
restore the latest backup.

From the moment the trial's faults are built (the load is running) a thread takes a backup every
`backup_every` seconds. apply() stops the backups, destroys the database (every connection is
cut) and restores the most recent complete backup; it returns when the database is back. Needs a
platform with the SupportsDatabaseAdmin ability on PostgreSQL. What it measured - the backups, the
moment of the disaster, the restore time - goes to the record as the fault's details; RTO and RPO
are computed from them, the request timeline and reconciliation (docs/metrics.md).
"""

from __future__ import annotations

import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from harness.errors import FaultError, HarnessError
from harness.faults import dr_journal
from harness.faults.base import FaultContext, FaultSpec
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register
from harness.platforms.base import SupportsDatabaseAdmin
from harness.scenario.durations import Duration


class RestoreSpec(FaultSpec):
    type: Literal["restore_from_backup"]
    backup_every: Duration = Field(default=5.0, gt=0, description="time between backups")
    recovered_when: str = Field(
        description="the request whose first success after the disaster ends the RTO, "
        "e.g. 'POST /checkout'"
    )


@dataclass(frozen=True)
class Backup:
    path: Path
    started: float  # the backup holds the database as of this moment (pg_dump's snapshot)
    done: float


class RestoreFromBackup:
    """Backups go to the stack's state directory (not /tmp): a drill cut short by a SIGKILL
    after the drop leaves its backup and a journal there, and `shopchaos recover` finishes the
    restore from them (dr_journal.py)."""

    def __init__(self, spec: RestoreSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        platform = ctx.platform
        if not isinstance(platform, SupportsDatabaseAdmin):
            raise FaultError(f"the {platform.name} platform cannot back up and restore a database")
        self.platform: SupportsDatabaseAdmin = platform
        self.spec = spec
        self.id = meta.id
        self.progress = ctx.progress
        self.state_dir = ctx.platform.state_dir
        self.dir = self.state_dir / "dr-backups" / f"{meta.id}-{time.time_ns()}"
        self.dir.mkdir(parents=True)
        self.backups: list[Backup] = []
        self.backup_errors: list[str] = []
        self.destroyed_at: float | None = None
        self.gone_at: float | None = None  # when the DROP had happened
        self.restored_at: float | None = None
        self.restored_from: Backup | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="db-backups", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            path = self.dir / f"backup-{n:03d}.dump"
            started = time.time()
            try:
                self.platform.backup_database(path)
            except HarnessError as e:
                self.backup_errors.append(e.message)
            else:
                self.backups.append(Backup(path, started, time.time()))
            self._stop.wait(max(0.0, self.spec.backup_every - (time.time() - started)))

    def _stop_backups(self) -> None:
        self._stop.set()
        self._thread.join(timeout=120)

    def apply(self) -> None:
        self._stop_backups()
        if not self.backups:
            raise FaultError(
                "no backup was completed before the disaster",
                hint="start the drill later (at:) or back up more often",
            )
        self.restored_from = self.backups[-1]
        self._journal("destroying")
        self.destroyed_at = time.time()
        self.platform.destroy_database()
        self.gone_at = time.time()
        self._journal("restoring")
        self.progress(
            f"database destroyed; restoring the backup of "
            f"{self.destroyed_at - self.restored_from.started:.1f}s before"
        )
        self.platform.restore_database(self.restored_from.path)
        self.restored_at = time.time()
        dr_journal.clear(self.state_dir)

    def _journal(self, phase: dr_journal.Phase) -> None:
        assert self.restored_from is not None
        dr_journal.write(
            self.state_dir,
            dr_journal.Pending(
                phase, str(self.restored_from.path), str(self.dir), self.id, time.time()
            ),
        )

    def revert(self) -> None:
        """After a half-done apply (destroyed, not restored): restore now."""
        self._stop_backups()
        if self.destroyed_at is not None and self.restored_at is None and self.restored_from:
            self.platform.destroy_database()  # whatever a cut-short restore left
            self.platform.restore_database(self.restored_from.path)
            self.restored_at = time.time()
            dr_journal.clear(self.state_dir)

    def close(self) -> None:
        self._stop_backups()
        if dr_journal.read(self.state_dir) is None:  # keep the backup until it was restored
            shutil.rmtree(self.dir, ignore_errors=True)

    def details(self) -> dict[str, float | int | str]:
        """Absolute times (the record makes them relative)."""
        out: dict[str, float | int | str] = {"backups": len(self.backups)}
        if self.backup_errors:
            out["backup_error"] = self.backup_errors[-1][:300]
        if self.restored_from is not None:
            out["backup_snapshot_at"] = self.restored_from.started
        if self.destroyed_at is not None:
            out["destroyed_at"] = self.destroyed_at
        if self.gone_at is not None:
            out["gone_at"] = self.gone_at
        if self.restored_at is not None and self.destroyed_at is not None:
            out["restore_seconds"] = self.restored_at - self.destroyed_at
        return out


def _database(spec: RestoreSpec, ctx: FaultContext) -> Targets:
    return Targets("the database")


@register(
    "restore_from_backup",
    "database",
    RestoreSpec,
    "DR drill: back up under load, destroy the database, restore the latest backup",
    self_healing=True,  # the restore is part of apply(): recovery counts from t_inject
    targets=_database,
)
def build_restore(spec: RestoreSpec, ctx: FaultContext, meta: FaultMeta) -> RestoreFromBackup:
    return RestoreFromBackup(spec, ctx, meta)

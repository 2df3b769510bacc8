"""Find the runs under reports/, newest first; the trend of one suite over its last N runs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from harness.errors import RecordError
from harness.record import io as record_io
from harness.record.model import RunRecord


@dataclass(frozen=True)
class Found:
    path: Path
    record: RunRecord | None
    problem: str | None = None


def scan(reports: Path) -> list[Found]:
    """Every run directory with a record.json, newest first (unreadable ones say why)."""
    found = []
    for record_file in reports.glob("*/record.json"):
        try:
            found.append(Found(record_file.parent, record_io.read(record_file.parent)))
        except RecordError as e:
            found.append(Found(record_file.parent, None, e.message))
    return sorted(found, key=lambda f: f.record.started_at if f.record else 0.0, reverse=True)


def of_suite(reports: Path, suite: str | None, last: int) -> list[RunRecord]:
    """The last `last` complete runs of `suite` (None: runs of single files), oldest first."""
    runs = [
        f.record
        for f in scan(reports)
        if f.record is not None and f.record.suite == suite and f.record.finished_at is not None
    ]
    return list(reversed(runs[:last]))

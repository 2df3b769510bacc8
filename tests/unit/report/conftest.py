"""Run records produced by the real engine (tests/fixtures/records/README.md says how)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.record import io as record_io
from harness.record.model import RunRecord

RECORDS = Path(__file__).resolve().parents[2] / "fixtures" / "records"
REPEATED, PASSING, REGRESSED = sorted(p.name for p in RECORDS.iterdir() if p.is_dir())


def load(name: str) -> RunRecord:
    return record_io.read(RECORDS / name)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A copy of the fixture runs as a reports/ directory."""
    for run in (REPEATED, PASSING, REGRESSED):
        shutil.copytree(RECORDS / run, tmp_path / run)
    return tmp_path


def copies(record: RunRecord, n: int) -> RunRecord:
    """The record's scenarios copied to n (the first trial of each, renamed): a long report."""
    scenarios = [
        s.model_copy(update={"name": f"{s.name}-{i + 1}", "trials": s.trials[:1]})
        for i, s in zip(range(n), record.scenarios * n, strict=False)
    ]
    return record.model_copy(update={"scenarios": scenarios})

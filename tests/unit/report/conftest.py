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

import json
from pathlib import Path

import pytest

from harness.errors import RecordError
from harness.record import io as record_io
from harness.record.model import SCHEMA_VERSION, Machine, RunRecord, Status


def record() -> RunRecord:
    return RunRecord(
        run_id="r1",
        status=Status.PASSED,
        started_at=1.0,
        platform="local",
        stack="s",
        harness_version="0",
        machine=Machine(hostname="h", cpus=2, system="Linux", python="3.11"),
        seed=1,
    )


def test_round_trip(tmp_path: Path) -> None:
    path = record_io.write(record(), tmp_path / "run")
    assert path.name == "record.json"
    assert record_io.read(tmp_path / "run") == record()


def test_other_schema_versions_get_a_clear_message(tmp_path: Path) -> None:
    path = record_io.write(record(), tmp_path)
    data = json.loads(path.read_text())
    data["schema_version"] = SCHEMA_VERSION + 1
    path.write_text(json.dumps(data))
    with pytest.raises(RecordError, match=f"version {SCHEMA_VERSION + 1}") as exc:
        record_io.read(tmp_path)
    assert "harness_version" in (exc.value.hint or "")


def test_missing_and_broken_records(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match="no run record"):
        record_io.read(tmp_path)
    (tmp_path / "record.json").write_text("{")
    with pytest.raises(RecordError, match="cannot read"):
        record_io.read(tmp_path)


def test_worst_status() -> None:
    assert Status.worst([Status.PASSED, Status.FAILED]) is Status.FAILED
    assert Status.worst([Status.ABORTED, Status.FAILED]) is Status.ABORTED
    assert Status.worst([]) is Status.PASSED

"""Write and read run records: reports/<run_id>/record.json."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from harness.errors import RecordError
from harness.record.model import SCHEMA_VERSION, RunRecord

RECORD_FILE = "record.json"


def write(record: RunRecord, run_dir: Path) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / RECORD_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(record.model_dump_json(indent=1), encoding="utf-8")
    os.replace(tmp, path)
    return path


def read(run_dir_or_file: Path) -> RunRecord:
    path = run_dir_or_file
    if path.is_dir():
        path = path / RECORD_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise RecordError(
            f"no run record at {path}", hint="give a run directory under reports/"
        ) from e
    except (OSError, ValueError) as e:
        raise RecordError(f"cannot read the run record {path}: {e}") from e
    version = data.get("schema_version") if isinstance(data, dict) else None
    if version != SCHEMA_VERSION:
        raise RecordError(
            f"{path} has record schema version {version}; this shopchaos reads version "
            f"{SCHEMA_VERSION}",
            hint="render it with the shopchaos version that wrote it (see its harness_version), "
            "or run the scenarios again",
        )
    try:
        return RunRecord.model_validate(data)
    except ValidationError as e:
        raise RecordError(f"{path} is not a valid run record: {e.error_count()} problems") from e

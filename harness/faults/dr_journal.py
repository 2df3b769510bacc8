"""The DR drill's journal: what `recover` needs to finish a drill cut short by a SIGKILL.

Written in the stack's state directory before the database is dropped ("destroying") and again
once it is gone ("restoring"), removed when the restore is confirmed. The backup it names is
kept until then. `recover` reads it (harness/recover.py): a journal in "restoring", or in
"destroying" with the database gone, means the drill dropped the database and never restored
it: drop whatever is left and restore the named backup.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Phase = Literal["destroying", "restoring"]
FILE = "dr-journal.json"


@dataclass(frozen=True)
class Pending:
    phase: Phase
    backup: str  # the backup file to restore from
    backups_dir: str  # removed once the restore is confirmed
    fault: str
    at: float


def write(state_dir: Path, pending: Pending) -> None:
    path = state_dir / FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(pending)), encoding="utf-8")
    os.replace(tmp, path)


def read(state_dir: Path) -> Pending | None:
    try:
        data = json.loads((state_dir / FILE).read_text(encoding="utf-8"))
        return Pending(**data)
    except (OSError, ValueError, TypeError):
        return None


def clear(state_dir: Path) -> None:
    (state_dir / FILE).unlink(missing_ok=True)

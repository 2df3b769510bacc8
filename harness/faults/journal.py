"""Faults in force, written down so `shopchaos recover` can revert them after a SIGKILL.

A fault type whose revert needs nothing from its apply (the exec, http and python faults: the
revert is written in the scenario) records itself here before apply() and removes itself once
revert() succeeded. The file is `faults-in-force.json` in the stack's state directory; each
entry has the fault's type, its spec as written, and the scenario's configuration and secrets
(the file is private to its owner, 0600). `recover` rebuilds each fault from its entry through
the registry and calls its revert() (harness/recover.py).
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FILE = "faults-in-force.json"
_LOCK = threading.Lock()


@dataclass(frozen=True)
class InForce:
    key: str  # unique per application: fault id, the harness's pid, when
    fault: str  # the fault's id
    kind: str  # its type
    spec: dict[str, Any]
    configuration: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, Any] = field(default_factory=dict)
    at: float = 0.0
    pid: int = 0  # the harness that applied it


def new_key(fault_id: str) -> str:
    return f"{fault_id}-{os.getpid()}-{time.time_ns()}"


def read(state_dir: Path) -> list[InForce]:
    try:
        data = json.loads((state_dir / FILE).read_text(encoding="utf-8"))
        return [InForce(**e) for e in data]
    except (OSError, ValueError, TypeError):
        return []


def _write(state_dir: Path, entries: list[InForce]) -> None:
    path = state_dir / FILE
    if not entries:
        path.unlink(missing_ok=True)
        return
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump([asdict(e) for e in entries], fh)
    os.replace(tmp, path)


def add(state_dir: Path, entry: InForce) -> None:
    with _LOCK:
        entries = [e for e in read(state_dir) if e.key != entry.key]
        _write(state_dir, [*entries, entry])


def remove(state_dir: Path, key: str) -> None:
    with _LOCK:
        entries = read(state_dir)
        if any(e.key == key for e in entries):
            _write(state_dir, [e for e in entries if e.key != key])

"""An app's own truth: JSON lines in {state_dir}/truth.jsonl (stdlib only: the apps import it).

Every line has `event`, `instance` and `t` (time.time(), the harness's clock). Events:
`start` (an instance began serving, with its configuration), `error` (a failed answer was sent;
`why` says which misbehaviour), `served` (answers per second: `ok`, `failed`), `plan` (a
misbehaviour episode one replica claimed for all: `cause`, `start`, `end`, `bad` intervals),
`peer_died`, `dependency_failed` / `dependency_back`, `audit_slow` (noimpact's background
calls). tests/stacks/truth.py reads them back.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

TRUTH_FILE = "truth.jsonl"


class TruthLog:
    """Appends one JSON line per event; O_APPEND keeps lines from concurrent writers whole."""

    def __init__(self, state_dir: Path, instance: str) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.instance = instance
        self._fd = os.open(state_dir / TRUTH_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()

    def write(self, event: str, t: float | None = None, **fields: Any) -> None:
        line = {"event": event, "instance": self.instance, "t": time.time() if t is None else t}
        data = (json.dumps({**line, **fields}) + "\n").encode()
        with self._lock:
            os.write(self._fd, data)

    def close(self) -> None:
        os.close(self._fd)


class Counter:
    """Answers served, written as one `served` line per second (only when something was)."""

    def __init__(self, log: TruthLog) -> None:
        self.log = log
        self._lock = threading.Lock()
        self._ok = 0
        self._failed = 0
        self._since = time.time()

    def count(self, *, failed: bool) -> None:
        with self._lock:
            if failed:
                self._failed += 1
            else:
                self._ok += 1

    def flush(self, now: float) -> None:
        with self._lock:
            ok, failed, since = self._ok, self._failed, self._since
            self._ok = self._failed = 0
            self._since = now
        if ok or failed:
            self.log.write("served", t=now, since=since, ok=ok, failed=failed)

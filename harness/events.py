"""`shopchaos run --events FILE`: one JSON object per line, written as things happen.

Every event has `event` (its kind), `t` (time.time(), the trial clock) and its own fields:
run_start, scenario_start, trial_start, phase (warm-up, baseline, faults, observe), fault_applied,
fault_apply_failed, fault_reverted, fault_revert_failed, rollback, probe (each sample of a
scenario's probe; the health probe only when it changes between passing and failing), check
(every verdict), trial_done, scenario_done, run_done. docs/cli.md lists their fields.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, Protocol, TextIO


class EventSink(Protocol):
    def emit(self, event: str, **fields: Any) -> None: ...


class NoEvents:
    def emit(self, event: str, **fields: Any) -> None:
        return None


NO_EVENTS = NoEvents()


class JsonLinesEvents:
    """Appends to a file, one line per event, flushed at once (a reader can `tail -f` it).
    Thread-safe: probes emit from their own threads."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh: TextIO = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def emit(self, event: str, **fields: Any) -> None:
        line = json.dumps({"event": event, "t": round(time.time(), 6), **fields}, default=str)
        with self._lock:
            if self._fh.closed:
                return
            self._fh.write(line + "\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()

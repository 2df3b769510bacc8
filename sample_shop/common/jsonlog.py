"""Structured logs: one JSON object per line on stdout.

Every line has the same keys (ts, level, service, instance, request_id, method, path, status,
duration_ms, msg; null where they do not apply) plus any event fields. The request id defaults
to the one of the request being served (sample_shop.common.request_context).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from typing import Any, TextIO

from sample_shop.common.request_context import current_request_id

_write_lock = threading.Lock()


class JsonLog:
    def __init__(self, service: str, instance: str, *, stream: TextIO | None = None) -> None:
        self.service = service
        self.instance = instance
        self._stream = stream

    def emit(
        self,
        level: str,
        msg: str,
        *,
        request_id: str | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        duration_ms: float | None = None,
        **fields: Any,
    ) -> None:
        record: dict[str, Any] = {
            "ts": round(time.time(), 6),
            "level": level,
            "service": self.service,
            "instance": self.instance,
            "request_id": request_id or current_request_id(),
            "method": method,
            "path": path,
            "status": status,
            "duration_ms": duration_ms,
            "msg": msg,
        }
        if fields:
            record.update(fields)
        line = json.dumps(record, separators=(",", ":"), default=str) + "\n"
        stream = self._stream or sys.stdout
        with _write_lock:
            stream.write(line)
            stream.flush()

    def info(self, msg: str, **fields: Any) -> None:
        self.emit("info", msg, **fields)

    def warning(self, msg: str, **fields: Any) -> None:
        self.emit("warning", msg, **fields)

    def error(self, msg: str, **fields: Any) -> None:
        self.emit("error", msg, **fields)

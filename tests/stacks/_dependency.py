"""An app's calls to its dependency (through Toxiproxy), and the moments the dependency failed
and came back, as the app saw them (logged as `dependency_failed` / `dependency_back`)."""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

from tests.stacks._log import TruthLog


def call(url: str, timeout: float) -> bool:
    """GET url on a fresh connection; True on a 200 within `timeout`."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path or "/")
        resp = conn.getresponse()
        resp.read()
        return resp.status == 200
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()


class Dependency:
    """Calls the dependency and tracks outages: `check()` returns (ok, back_from) where
    back_from is the first failure of the outage that this successful call ended.

    Calls overlap (one per request thread), so a call's outcome counts only if the call began
    after the last change it would undo: a success that began before the outage's first failure
    (it finished just before the fault cut it) does not end the outage, and a failure that began
    before the dependency was seen back does not start a new one."""

    def __init__(self, url: str, timeout: float, log: TruthLog) -> None:
        self.url = url
        self.timeout = timeout
        self.log = log
        self._lock = threading.Lock()
        self._failing_since: float | None = None
        self._back_at = 0.0

    def check(self) -> tuple[bool, float | None]:
        began = time.time()
        ok = call(self.url, self.timeout)
        now = time.time()
        with self._lock:
            since = self._failing_since
            if not ok:
                if since is None and began > self._back_at:
                    self._failing_since = now
                    self.log.write("dependency_failed", t=now)
                return False, None
            if since is None or began <= since:
                return True, None
            self._failing_since = None
            self._back_at = now
        self.log.write("dependency_back", t=now, failing_since=since)
        return True, since

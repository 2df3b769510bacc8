"""An app's view of its dependency's outages: calls overlap, so only a call that began after
the last change can undo it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.stacks import truth
from tests.stacks._dependency import Dependency
from tests.stacks._log import TruthLog


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        return


def test_an_outage_begins_at_the_first_failure_and_ends_at_the_first_success(
    tmp_path: Path,
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    log = TruthLog(tmp_path, "api-1")
    dep = Dependency(f"http://127.0.0.1:{port}/x", 1.0, log)
    try:
        assert dep.check() == (True, None)
        dep.url = "http://127.0.0.1:1/x"  # nothing listens there: refused
        assert dep.check() == (False, None)
        assert dep.check() == (False, None)
        dep.url = f"http://127.0.0.1:{port}/x"
        ok, since = dep.check()
        assert ok and since is not None
        assert dep.check() == (True, None)
    finally:
        server.shutdown()
        server.server_close()
        log.close()
    kinds = [e["event"] for e in truth.read(tmp_path)]
    assert kinds == ["dependency_failed", "dependency_back"]

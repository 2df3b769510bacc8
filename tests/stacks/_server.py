"""The HTTP side every ground-truth app shares (stdlib only): argument parsing, a threading
HTTP/1.1 server with /healthz and /readyz, the truth log, and a clean stop on SIGTERM/SIGINT.

An app is a callable `answer(path) -> (status, why)`: `why` names the misbehaviour when the
status is a failure (>= 500); each failure is written to the truth log as it is sent.
"""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.stacks._log import Counter, TruthLog

Answer = tuple[int, str]
HEALTH = ("/healthz", "/readyz")


@dataclass
class Context:
    """What an app gets: where it runs, its truth log, and background jobs to start."""

    host: str
    port: int
    instance: str
    state_dir: Path
    log: TruthLog
    jobs: list[Callable[[], None]] = field(default_factory=list)  # run in daemon threads
    on_stop: list[Callable[[], None]] = field(default_factory=list)  # before the socket closes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # HAProxy's connections and checks, and the peers' connects


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--instance", required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    return parser.parse_args()


def context(description: str) -> Context:
    args = parse_args(description)
    log = TruthLog(args.state_dir, args.instance)
    return Context(args.host, args.port, args.instance, args.state_dir, log)


def serve(
    ctx: Context, answer: Callable[[str], Answer], *, with_query: bool = False, **config: Any
) -> None:
    """Serve until SIGTERM/SIGINT; `config` goes into the `start` line of the truth log.
    with_query: `answer` gets the path with its query string (an app that logs each request)."""
    counter = Counter(ctx.log)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path in HEALTH:
                status, why = 200, ""
            else:
                status, why = answer(self.path if with_query else path)
                failed = status >= 500
                counter.count(failed=failed)
                if failed:
                    ctx.log.write("error", status=status, why=why, path=path)
            body = (why or "ok").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = _Server((ctx.host, ctx.port), Handler)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    for job in ctx.jobs:
        threading.Thread(target=job, name=getattr(job, "__name__", "job"), daemon=True).start()
    ctx.log.write("start", port=ctx.port, **config)
    while not stop.wait(1.0):
        counter.flush(time.time())
    for hook in ctx.on_stop:
        hook()
    counter.flush(time.time())
    server.shutdown()
    server.server_close()
    ctx.log.close()

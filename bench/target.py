"""A target that costs almost nothing: HAProxy answering `200 ok` itself (`http-request return`),
so the load generator, not the target, is what a benchmark measures. It also has a backend with
one (unused) server and a stats socket, so the harness's load-balancer probe has something to
poll, as in a real trial."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# One thread: HAProxy 2.6 otherwise starts one a core. On 2 cores shared with two load workers,
# side by side in 4 rounds (2026-12-01): one thread 0.221 cores and 20,803 req/s, two threads
# 0.254 cores and 20,217 req/s (+1 % to +8 % a round): the target is to cost almost nothing.
CONFIG = """\
global
    maxconn 4000
    nbthread 1
    stats socket {socket} mode 600 level admin{tcp_socket}

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s

frontend ok
    bind 127.0.0.1:{port}
    http-request return {answer}
    default_backend idle

backend idle
    server s1 127.0.0.1:9 disabled
"""


@dataclass(frozen=True)
class Target:
    url: str  # http://127.0.0.1:PORT
    runtime: str  # unix:PATH of the stats socket, for LbProbe
    backend: str
    runtime_tcp: str | None = None  # tcp:127.0.0.1:PORT when asked for (runtime_port)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


OK = "status 200 content-type text/plain string ok"


def failing(body: Path) -> str:
    """The answer of a target that fails every request: a 503 with `body` (≤ 15 KB: it must
    fit in one of HAProxy's buffers)."""
    return f"status 503 content-type text/plain file {body}"


@contextmanager
def haproxy_ok(
    work: Path, *, runtime_port: int | None = None, answer: str = OK
) -> Iterator[Target]:
    """HAProxy on a free loopback port in its own session; killed on the way out. Its stats
    socket is work/haproxy-ok.sock (the same again for the same `work`), and also TCP on
    127.0.0.1:`runtime_port` when given, as a Compose stack publishes it. `answer`: what it
    answers every request (`http-request return`'s arguments; `failing()` for an error storm)."""
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    work.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    sock = work / "haproxy-ok.sock"
    cfg = work / "haproxy-ok.cfg"
    tcp = (
        ""
        if runtime_port is None
        else f"\n    stats socket ipv4@127.0.0.1:{runtime_port} level admin"
    )
    cfg.write_text(CONFIG.format(port=port, socket=sock, tcp_socket=tcp, answer=answer))
    with (work / "haproxy-ok.log").open("ab") as log:
        proc = subprocess.Popen(
            [haproxy, "-db", "-f", str(cfg)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError as e:
                if proc.poll() is not None or time.monotonic() > deadline:
                    where = work / "haproxy-ok.log"
                    raise RuntimeError(f"HAProxy did not start; see {where}") from e
                time.sleep(0.05)
        yield Target(
            url=f"http://127.0.0.1:{port}",
            runtime=f"unix:{sock}",
            backend="idle",
            runtime_tcp=None if runtime_port is None else f"tcp:127.0.0.1:{runtime_port}",
        )
    finally:
        proc.kill()
        proc.wait(5)

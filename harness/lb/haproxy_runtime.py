"""HAProxy's runtime API (the stats socket): the load balancer's own view of each server.

Address forms: "unix:/path/to/socket" (local platform) or "tcp:127.0.0.1:9999" (Compose).
Every call has a deadline.
"""

from __future__ import annotations

import csv
import io
import socket
from dataclasses import dataclass

from harness.errors import StackError


@dataclass(frozen=True)
class ServerState:
    backend: str
    server: str
    status: str  # first word of HAProxy's status: UP, DOWN, MAINT, DRAIN, NOLB, no
    detail: str  # the whole status, e.g. "UP 1/2" while a server is going down
    check_status: str  # e.g. L7OK, L4CON, L7STS, L4TOUT
    last_change_s: int | None  # seconds since the last status change
    active_sessions: int
    check_code: str = ""  # e.g. 400, the status the last L7 check got
    last_check: str = ""  # HAProxy's words on the last check, e.g. "Bad Request"

    @property
    def checked_up(self) -> bool:
        """UP, and the last health check passed (not only the state HAProxy starts in)."""
        return self.detail == "UP" and self.check_status.endswith("OK")

    def check_reason(self) -> str:
        code = f" {self.check_code}" if self.check_code else ""
        said = f" ({self.last_check})" if self.last_check else ""
        return f"{self.server}: {self.detail or '?'}, last check {self.check_status}{code}{said}"


class HAProxyRuntime:
    def __init__(self, address: str, *, timeout: float = 1.0) -> None:
        kind, _, rest = address.partition(":")
        if kind not in ("unix", "tcp") or not rest:
            raise ValueError(f"runtime address must be unix:PATH or tcp:HOST:PORT, not {address!r}")
        self.address = address
        self._kind = kind
        self._target = rest
        self.timeout = timeout

    def command(self, line: str) -> str:
        """Send one command; return HAProxy's whole answer."""
        try:
            with self._connect() as sock:
                sock.sendall(line.encode() + b"\n")
                chunks = []
                while chunk := sock.recv(65536):
                    chunks.append(chunk)
        except OSError as e:
            raise StackError(
                f"HAProxy runtime API at {self.address} did not answer `{line}`: {e}",
                hint="is the stack up? `shopchaos status`",
            ) from e
        return b"".join(chunks).decode("utf-8", errors="replace")

    def _connect(self) -> socket.socket:
        if self._kind == "tcp":
            host, _, port = self._target.rpartition(":")
            return socket.create_connection((host, int(port)), timeout=self.timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self._target)
        except OSError:
            sock.close()
            raise
        return sock

    def servers(self, backend: str | None = None) -> list[ServerState]:
        """`show stat`, server rows only (optionally of one backend)."""
        text = self.command("show stat")
        return parse_show_stat(text, backend)

    def set_state(self, backend: str, server: str, state: str) -> None:
        """`set server B/S state ready|drain|maint` (used to drain a replica before a restart)."""
        answer = self.command(f"set server {backend}/{server} state {state}").strip()
        if answer:
            raise StackError(
                f"HAProxy refused `set server {backend}/{server} state {state}`: {answer}"
            )


def parse_show_stat(text: str, backend: str | None = None) -> list[ServerState]:
    lines = text.lstrip("# ").splitlines()
    out: list[ServerState] = []
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        name = row.get("svname", "")
        if name in ("FRONTEND", "BACKEND", "") or (backend and row.get("pxname") != backend):
            continue
        status = row.get("status", "") or ""
        lastchg = row.get("lastchg") or ""
        out.append(
            ServerState(
                backend=row.get("pxname", ""),
                server=name,
                status=status.split(" ", 1)[0] if status else "",
                detail=status,
                check_status=row.get("check_status", "") or "",
                last_change_s=int(lastchg) if lastchg.isdigit() else None,
                active_sessions=int(row.get("scur") or 0),
                check_code=row.get("check_code", "") or "",
                last_check=row.get("last_chk", "") or "",
            )
        )
    return out

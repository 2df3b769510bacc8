"""HAProxy's runtime API (the stats socket): the load balancer's own view of each server.

Address forms: "unix:/path/to/socket" (local platform) or "tcp:127.0.0.1:9999" (Compose).
Every call has a deadline.
"""

from __future__ import annotations

import csv
import functools
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
        """`show stat`, server rows only (optionally of one backend: then HAProxy sends only
        that backend's servers, type 4, which the LB probe asks for 40 times a second)."""
        if backend:
            got = _parse(self.command(f"show stat {backend} 4 -1"), backend)
            if got is not None:
                return got
            # not a `show stat` answer: an HAProxy that filters by number only, or no such
            # backend: ask for everything and filter here, as before
        return parse_show_stat(self.command("show stat"), backend)

    def set_state(self, backend: str, server: str, state: str) -> None:
        """`set server B/S state ready|drain|maint` (used to drain a replica before a restart)."""
        answer = self.command(f"set server {backend}/{server} state {state}").strip()
        if answer:
            raise StackError(
                f"HAProxy refused `set server {backend}/{server} state {state}`: {answer}"
            )


def parse_show_stat(text: str, backend: str | None = None) -> list[ServerState]:
    return _parse(text, backend) or []


def _parse(text: str, backend: str | None) -> list[ServerState] | None:
    """The server rows; None when `text` is not a `show stat` answer (e.g. "No such proxy.")."""
    head, _, body = text.lstrip("# ").partition("\n")
    at = _columns(head)
    if at is None:
        return None
    rows = csv.reader(io.StringIO(body))
    out: list[ServerState] = []
    for row in rows:
        px, name, status, check, lastchg, scur, code, last = (
            row[i] if 0 <= i < len(row) else "" for i in at
        )
        if name in ("FRONTEND", "BACKEND", "") or (backend and px != backend):
            continue
        out.append(
            ServerState(
                backend=px,
                server=name,
                status=status.split(" ", 1)[0] if status else "",
                detail=status,
                check_status=check,
                last_change_s=int(lastchg) if lastchg.isdigit() else None,
                active_sessions=int(scur) if scur.isdigit() else 0,
                check_code=code,
                last_check=last,
            )
        )
    return out


_COLUMNS = (
    "pxname", "svname", "status", "check_status", "lastchg", "scur", "check_code", "last_chk"
)  # fmt: skip


@functools.lru_cache(maxsize=8)
def _columns(header: str) -> tuple[int, ...] | None:
    """Where each of _COLUMNS is in `show stat`'s header (-1: this HAProxy has no such column;
    None: not a `show stat` header). The header is the same on every call: parsed once."""
    names = next(csv.reader([header]), [])
    col = {name: i for i, name in enumerate(names)}
    if not all(c in col for c in ("pxname", "svname", "status")):
        return None
    return tuple(col.get(c, -1) for c in _COLUMNS)

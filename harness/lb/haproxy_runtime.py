"""HAProxy's runtime API (the stats socket): the load balancer's own view of each server.

Address forms: "unix:/path/to/socket" (local platform) or "tcp:127.0.0.1:9999" (Compose).
Every call has a deadline. HAProxyRuntime opens a connection per command; RuntimeSession keeps
one, for the LB probe's 40 polls a second.
"""

from __future__ import annotations

import csv
import functools
import io
import socket
import threading
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

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
            raise self._unanswered(line, e) from e
        return b"".join(chunks).decode("utf-8", errors="replace")

    def _unanswered(self, line: str, e: OSError) -> StackError:
        return StackError(
            f"HAProxy runtime API at {self.address} did not answer `{line}`: {e}",
            hint="is the stack up? `shopchaos status`",
        )

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


class RuntimeSession(HAProxyRuntime):
    r"""The runtime API over one kept connection in HAProxy's interactive mode (`prompt`), for
    the LB probe's 40 polls a second. Side by side against a connection each (command();
    bench.costs.lb_polls, `python -m bench --only costs`, 2026-12-01 10:48, steady CPU):
    HAProxy, which serves the load under test, spends 19 against 44 us a poll (no accept, no
    new CLI session); this side 13 against 35 us back to back, but 75 against 79 us a poll sent
    every 25 ms, which is mostly a cold start (85 against 130 us on a bursting CPU that morning).

    Framing (HAProxy 2.6.12, unix and tcp sockets, read byte by byte; management.txt,
    "interactive mode"): `prompt` is answered `\n> `; after it each answer is exactly what a
    connection of its own gets (the output, then the empty line that ends it) followed by the
    prompt `> `. HAProxy never puts an empty line inside an answer, so an answer is whole when
    the bytes read are `\n> ` (nothing to say, e.g. `set server` accepted) or end in
    `\n\n> `; one line is one command (no newline inside it).

    A try of a command (with the connection and `prompt` when there is none) has `timeout`
    seconds in all, every read included. The connection is dropped on any error, so an answer
    cut short or late is never read as a whole one, nor as the start of the next. When HAProxy
    closed a kept connection since the last command (a restart, a killed HAProxy, `stats
    timeout`: a broken pipe or the end of the stream, at once), the command is tried once more
    on a new connection; otherwise, and when that fails too, the error is command()'s
    StackError (a late answer is not waited for twice). A connection is kept `max_age` seconds
    at most (one poll in 40 pays a connection, in the figures above): after a reload (`-sf`,
    or USR2 to a master-worker's master; 2.6.12) the old process keeps answering on the
    connections it has (`Stopping: 1`, the server rows it had) and cannot exit while they are
    busy, so the probe would read it, and keep it alive, forever. A lock serialises threads.
    """

    def __init__(self, address: str, *, timeout: float = 1.0, max_age: float = 1.0) -> None:
        super().__init__(address, timeout=timeout)
        self.max_age = max_age
        self._sock: socket.socket | None = None
        self._opened = 0.0
        self._lock = threading.Lock()

    def command(self, line: str) -> str:
        """Send one command on the kept connection; return HAProxy's whole answer, the same
        text a connection of its own gets."""
        if "\n" in line:
            raise ValueError(f"one command, one line: {line!r}")
        request = line.encode() + b"\n"
        with self._lock:
            if self._sock is not None and time.monotonic() - self._opened > self.max_age:
                self._drop()
            while True:  # twice at most: after _drop() there is no kept connection
                kept = self._sock is not None
                try:
                    return self._ask(request).decode("utf-8", errors="replace")
                except OSError as e:
                    self._drop()
                    if not (kept and isinstance(e, ConnectionError)):
                        raise self._unanswered(line, e) from e
                except BaseException:  # e.g. Ctrl-C mid-answer: the rest is not the next answer
                    self._drop()
                    raise

    def _ask(self, request: bytes) -> bytes:
        deadline = time.monotonic() + self.timeout
        if self._sock is None:
            self._sock, self._opened = self._connect(), time.monotonic()
            if (said := _exchange(self._sock, b"prompt\n", deadline)) != b"\n":
                raise OSError(f"`prompt` was answered {said[:80]!r}, not with a prompt")
        return _exchange(self._sock, request, deadline)

    def _drop(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def close(self) -> None:
        """Close the connection (a later command opens another)."""
        with self._lock:
            self._drop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _Closed(ConnectionError):
    """HAProxy closed the connection before the end of its answer."""


def _exchange(sock: socket.socket, request: bytes, deadline: float) -> bytes:
    """Send one command line in interactive mode; its answer without the prompt, once whole."""
    sock.settimeout(_left(deadline))
    sock.sendall(request)
    got = b""
    while not (got.endswith(b"\n\n> ") or got == b"\n> "):
        sock.settimeout(_left(deadline))
        chunk = sock.recv(65536)
        if not chunk:
            raise _Closed(f"connection closed after {len(got)} bytes of the answer")
        got += chunk
    return got[:-2]


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


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

"""What every load process shares (single, master, worker): buffered output, user classes,
per-request records, the event-loop lag ticker.

Imported only by the load processes (_locust_process, _locust_master, _locust_worker), after
gevent's monkey-patching: this module imports Locust.
"""

from __future__ import annotations

import importlib
import ipaddress
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import gevent
from gevent.fileobject import FileObjectPosix
from locust import between
from locust.env import Environment

from harness.load import batch, ledger, wire
from harness.load.lag import TICK, LagMeter

FLUSH_EVERY = 0.05  # seconds between writes of the stream


class Output:
    """Buffered, cooperative writes of wire lines, flushed every 50 ms: to stdout (the harness's
    pipe) by default, or to `send` (a remote worker's Locust messages). A flush first asks each
    `source` for its line (the recorder's batch), so what was recorded before a state was put
    is written before it."""

    def __init__(self, send: Callable[[list[str]], None] | None = None) -> None:
        self._send = send or _stdout_writer()
        self._buf: list[str] = []
        self._sources: list[Callable[[], str | None]] = []

    def put(self, line: str) -> None:
        self._buf.append(line)

    def add_source(self, source: Callable[[], str | None]) -> None:
        self._sources.append(source)

    def flush(self) -> None:
        first = [line for line in (source() for source in self._sources) if line is not None]
        if first:
            self._buf[:0] = first
        if self._buf:
            lines, self._buf = self._buf, []
            self._send(lines)

    def pump(self) -> None:
        while True:
            gevent.sleep(FLUSH_EVERY)
            self.flush()


def _stdout_writer() -> Callable[[list[str]], None]:
    out = FileObjectPosix(sys.stdout.fileno(), "wb", close=False)

    def write(lines: list[str]) -> None:
        out.write(("\n".join(lines) + "\n").encode())
        out.flush()

    return write


def load_user_classes(spec: str, sys_path: list[str] | None = None) -> list[Any]:
    """The user classes of `module:Class[,Class2]`; `sys_path`: directories to import from
    first (the stack file's directory, so a team's user module is found as it is)."""
    sys.path[:0] = [p for p in sys_path or [] if p not in sys.path]
    module_name, _, names = spec.partition(":")
    module = importlib.import_module(module_name)
    if not names:
        raise ValueError(f"user classes {spec!r}: write module:Class[,Class2]")
    return [getattr(module, n.strip()) for n in names.split(",")]


def require_loopback(host: str) -> None:
    hostname = urlsplit(host).hostname or ""
    try:
        ok = ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        ok = hostname == "localhost"
    if not ok:
        raise ValueError(f"refusing to send load to {host}: only 127.0.0.0/8 is allowed")


def configure(classes: list[Any], cfg: dict[str, Any]) -> list[Any]:
    """Apply the scenario's mix, think time and timeout; the classes that can run (weight > 0)."""
    mix = cfg.get("mix") or {}
    think = cfg.get("think_time")
    for cls in classes:
        if cls.__name__ in mix:
            cls.weight = mix[cls.__name__]
        if think:
            cls.wait_time = between(think[0], think[1])
        if hasattr(cls, "network_timeout"):
            cls.network_timeout = cfg["request_timeout"]
            cls.connection_timeout = cfg["request_timeout"]
        cls.context = lambda self: {"user": ledger.user_id(self)}
    return [c for c in classes if c.weight > 0 or getattr(c, "fixed_count", 0) > 0]


class Recorder:
    """Keeps Locust's request events for the harness; calls `on_limit` at `max_requests`.
    `record` runs once a request in the load process and costs the load what it spends, so it
    only puts Locust's values, as they come, at the end of one flat list; the output's flush
    turns them into one batch line (harness/load/batch.py). `record` is the listener.

    A failed request's exception is kept as its text, made at once: the exception's traceback
    holds the request's frames, and with them its response, and a kept one outlives the next
    young collection, so it is freed only by a full one. In an error storm (every answer a 503
    with a 12 KB body, one load process at full speed, 20 s) the load process's RSS was 187 MB
    keeping the exceptions and 62 MB keeping their text (52 MB with every answer a 200)."""

    def __init__(
        self, out: Output, max_requests: int, on_limit: Callable[[], Any], limit_state: str
    ) -> None:
        self.out = out
        self.max_requests = max_requests
        self.on_limit = on_limit
        self.limit_state = limit_state
        self.count = 0
        self._rows: list[Any] = []  # batch.Row after batch.Row, end to end
        self._extend = self._rows.extend
        out.add_source(self.batch)

    def record(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response: Any = None,
        context: Any = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        **_: Any,
    ) -> None:
        self._extend(
            (
                start_time or time.time() - response_time / 1000,
                response_time,
                request_type,
                name,
                getattr(response, "status_code", 0),
                exception and batch.error_text(exception),  # not the exception: below
                context,
            )
        )
        self.count += 1
        if self.count == self.max_requests:
            self.out.put(wire.encode_state(self.limit_state, time.time(), self.count))
            gevent.spawn(self.on_limit)

    def batch(self) -> str | None:
        """The rows kept since the last flush, as one batch line (None: there are none)."""
        if not self._rows:
            return None
        rows = self._rows[:]
        self._rows.clear()  # the same list: `_extend` is bound to it
        try:
            return batch.encode(rows)
        except (TypeError, ValueError, OverflowError, AttributeError):  # a team's own client's
            rows, dropped = batch.whole(rows)
            sys.stderr.write(f"{dropped} request event(s) with no usable start, duration, name\n")
            return batch.encode(rows) if rows else None


class Counter:
    """Counts requests without recording them (record: false, to measure the recording's cost)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **kw: Any) -> None:
        self.count += 1


def report_user_errors(env: Environment) -> None:
    env.events.user_error.add_listener(
        lambda user_instance, exception, tb: sys.stderr.write(
            "".join(traceback.format_exception(exception))
        )
    )


def watch_loop_lag(out: Output, what: str) -> None:
    """Tick every 0.1 s; once a second, put ["s", what, t, p99 lateness of that second]."""
    meter = LagMeter(time.time())
    while True:
        due = time.monotonic() + TICK
        gevent.sleep(TICK)
        closed = meter.add(time.time(), time.monotonic() - due)
        if closed is not None:
            out.put(wire.encode_state(what, closed[0], round(closed[1], 6)))

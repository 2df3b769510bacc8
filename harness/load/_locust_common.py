"""What every load process shares (single, master, worker): buffered output, user classes,
per-request records, the event-loop lag ticker.

Imported only by the load processes (_locust_process, _locust_master, _locust_worker), after
gevent's monkey-patching: this module imports Locust.
"""

from __future__ import annotations

import importlib
import ipaddress
import json
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

from harness.load import ledger, wire
from harness.load.lag import TICK, LagMeter

FLUSH_EVERY = 0.05  # seconds between writes of the stream


class Output:
    """Buffered, cooperative writes of wire lines, flushed every 50 ms: to stdout (the harness's
    pipe) by default, or to `send` (a remote worker's Locust messages)."""

    def __init__(self, send: Callable[[list[str]], None] | None = None) -> None:
        self._send = send or _stdout_writer()
        self._buf: list[str] = []

    def put(self, line: str) -> None:
        self._buf.append(line)

    def flush(self) -> None:
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
    """Turns Locust's request events into wire records; calls `on_limit` at `max_requests`.
    Called once per request in the load process, so it does as little as it can: each request
    name is encoded once (`_names`) and the line goes straight onto the output's buffer."""

    def __init__(
        self, out: Output, max_requests: int, on_limit: Callable[[], Any], limit_state: str
    ) -> None:
        self.out = out
        self.max_requests = max_requests
        self.on_limit = on_limit
        self.limit_state = limit_state
        self.count = 0
        self._names: dict[tuple[str, str], str] = {}

    def __call__(
        self,
        request_type: str,
        name: str,
        response_time: float,
        response: Any = None,
        context: dict[str, Any] | None = None,
        exception: BaseException | None = None,
        start_time: float | None = None,
        **_: Any,
    ) -> None:
        name_json = self._names.get((request_type, name))
        if name_json is None:
            name_json = self._name(request_type, name)
        self.out.put(
            wire.request_line(
                time.time() - response_time / 1000 if start_time is None else start_time,
                response_time,
                name_json,
                getattr(response, "status_code", 0) or 0,
                None if exception is None else f"{type(exception).__name__}: {exception}"[:200],
                context.get("user", 0) if context else 0,
            )
        )
        self.count += 1
        if self.count == self.max_requests:
            self.out.put(wire.encode_state(self.limit_state, time.time(), self.count))
            gevent.spawn(self.on_limit)

    def _name(self, request_type: str, name: str) -> str:
        """The record's name as JSON: Locust's name, prefixed by the method when it is not."""
        encoded = json.dumps(name if name.startswith(request_type) else f"{request_type} {name}")
        if len(self._names) < wire.NAMES_MAX:
            self._names[(request_type, name)] = encoded
        return encoded


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

"""The harness's side of the load process: start it, read its stream, change users, stop it.

A reader thread turns each line into a RequestRecord, LedgerEntry or state change, keeps them,
and hands every request to `on_request` (live progress and abort conditions). The process is
bounded in time and requests by its config and stops when the harness closes its stdin, so it
never outlives the harness.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import urlsplit

from harness.errors import LoadError
from harness.load import wire
from harness.load.wire import LedgerEntry, StateChange
from harness.measure.timeline import RequestRecord

LOAD_OF_ENV = "SHOPCHAOS_LOAD_OF"  # the harness pid a load process belongs to (leftover checks)


@dataclass(frozen=True)
class LoadConfig:
    host: str
    user_classes: str  # module:Class[,Class2]
    users: int
    spawn_rate: float
    max_seconds: float  # the process stops by itself after this
    max_requests: int  # ... or after this many requests
    request_timeout: float = 10.0
    think_time: tuple[float, float] | None = None
    mix: dict[str, float] | None = None
    seed: int | None = None
    record: bool = True  # stream every request (off only to measure the harness's overhead)
    sys_path: tuple[str, ...] = ()  # put first on the load process's sys.path (user classes)

    def to_json(self) -> str:
        return json.dumps(
            {
                "host": self.host,
                "user_classes": self.user_classes,
                "users": self.users,
                "spawn_rate": self.spawn_rate,
                "max_seconds": self.max_seconds,
                "max_requests": self.max_requests,
                "request_timeout": self.request_timeout,
                "think_time": list(self.think_time) if self.think_time else None,
                "mix": self.mix,
                "seed": self.seed,
                "record": self.record,
                "sys_path": list(self.sys_path),
            }
        )


def require_loopback(url: str) -> None:
    """The network rule: load goes only to 127.0.0.0/8."""
    host = urlsplit(url).hostname or ""
    try:
        ok = ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = host == "localhost"
    if not ok:
        raise LoadError(
            f"refusing to send load to {url}: shopchaos sends load only to 127.0.0.0/8",
            hint="publish the stack's entry point on 127.0.0.1",
        )


class LoadProcess:
    def __init__(
        self,
        config: LoadConfig,
        *,
        log: Path,
        on_request: Callable[[RequestRecord], None] | None = None,
    ) -> None:
        require_loopback(config.host)
        self.config = config
        self.log = log
        self.on_request = on_request
        self.requests: list[RequestRecord] = []
        self.ledger: list[LedgerEntry] = []
        self.states: list[StateChange] = []
        self.fatal: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None
        self._started = threading.Event()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60.0) -> float:
        """Start Locust; return the time its users began to spawn."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as err:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "harness.load._locust_process"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
                env={**os.environ, "PYTHONUNBUFFERED": "1", LOAD_OF_ENV: str(os.getpid())},
            )
        self._send(self.config.to_json())
        self._reader = threading.Thread(target=self._read, name="load-reader", daemon=True)
        self._reader.start()
        if not self._started.wait(timeout):
            self.stop()
            raise LoadError(
                f"the load process did not start within {timeout:g}s; see {self.log}",
                hint=self._tail(),
            )
        if self.fatal:
            self.stop()
            raise LoadError(self.fatal, hint=f"see {self.log}")
        return next(s.t for s in self.states if s.what == "started")

    def set_users(self, users: int, spawn_rate: float | None = None) -> None:
        self._send(json.dumps({"users": users, "spawn_rate": spawn_rate or users}))

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the process to stop, wait (bounded), kill it if it does not."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                self._send(json.dumps({"stop": True}))
                if proc.stdin:
                    proc.stdin.close()
            except (OSError, LoadError):
                pass
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if self._reader is not None:
            self._reader.join(timeout=5)
        if proc.stdout:
            proc.stdout.close()

    def __enter__(self) -> LoadProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def pids(self) -> list[int]:
        """The OS processes generating the load (to sample their CPU use)."""
        return [self._proc.pid] if self._proc is not None and self.running else []

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> list[RequestRecord]:
        with self._lock:
            return list(self.requests)

    def _read(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        for raw in proc.stdout:
            try:
                msg = wire.decode(raw.decode())
            except (ValueError, IndexError, TypeError):
                continue
            if isinstance(msg, RequestRecord):
                with self._lock:
                    self.requests.append(msg)
                if self.on_request is not None:
                    self.on_request(msg)
            elif isinstance(msg, LedgerEntry):
                with self._lock:
                    self.ledger.append(msg)
            elif isinstance(msg, StateChange):
                self.states.append(msg)
                if msg.what == "started":
                    self._started.set()
            else:
                self.fatal = msg
                self._started.set()
        self._started.set()

    def _send(self, line: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.closed:
            return
        try:
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise LoadError("the load process is gone", hint=self._tail()) from e

    def _tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def wait_finished(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            time.sleep(0.05)

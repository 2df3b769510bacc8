"""The harness's side of the load: start it, read its streams, change users, stop it.

One load process (`load.workers: 1`), or Locust's distributed runner: a master and N local
workers, and remote workers that joined from other machines (harness/load/distributed.py). Either
way, reader threads turn each line into a RequestRecord, LedgerEntry or state change, keep them,
and hand every request to `on_request` (live progress and abort conditions; with several workers
it is called from several threads). Every process is bounded in time and requests by its config
and stops when the harness closes its stdin, so none outlives the harness.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from harness.errors import LoadError
from harness.load import distributed, wire
from harness.load._stream import Stream
from harness.load.clock import ClockEstimate
from harness.load.remote import parse_master
from harness.load.wire import LedgerEntry, StateChange
from harness.measure.timeline import RequestRecord

SINGLE = "harness.load._locust_process"


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
    workers: int = 1  # local load processes; > 1 runs Locust's master and workers
    remote_workers: int = 0  # workers on other machines the master waits for
    master_bind: str = "127.0.0.1:0"  # where the master listens (remote workers need a port)
    remote_wait: float = 120.0  # seconds the master waits for remote workers to join

    @property
    def distributed(self) -> bool:
        return self.workers > 1 or self.remote_workers > 0

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
                "workers": self.workers,
                "remote_workers": self.remote_workers,
                "master_bind": self.master_bind,
                "remote_wait": self.remote_wait,
            }
        )


@dataclass(frozen=True)
class LoadWorkers:
    """How a run spreads its load (`shopchaos run --load-workers/--load-remote-workers`)."""

    local: int | None = None  # overrides each scenario's load.workers
    remote: int = 0  # workers on other machines (`shopchaos load-worker`) each trial waits for
    master_bind: str = "*:5557"  # where the master listens for them
    remote_wait: float = 120.0

    def __post_init__(self) -> None:
        if self.remote:
            parse_master(self.master_bind, "--load-master")  # now, not a dead master later

    def for_scenario(self, workers: int) -> dict[str, Any]:
        """The LoadConfig fields for a scenario that asks for `workers` local processes."""
        return {
            "workers": self.local or workers,
            "remote_workers": self.remote,
            "master_bind": self.master_bind if self.remote else "127.0.0.1:0",
            "remote_wait": self.remote_wait,
        }


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
    """The running load, whatever its shape: `start()` returns t0; `requests`, `ledger` and
    `states` fill as the streams arrive; `set_users` changes the users (split across workers by
    Locust's master); `stop()` ends every process."""

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
        self._streams: list[Stream] = []  # the first one takes the commands
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60.0) -> float:
        """Start Locust; return the time its users began to spawn (t0)."""
        try:
            if self.config.distributed:
                wait = distributed.launch(self.config, self.log, self, self._streams, timeout)
            else:
                stream = Stream(SINGLE, name="load process", log=self.log, sink=self)
                self._streams.append(stream)
                stream.start(self.config.to_json())
                wait = timeout
        except BaseException:
            self.stop()
            raise
        started = self.wait_state("started", wait)
        if self.fatal:
            self.stop()
            raise LoadError(self.fatal, hint=f"see {self.log}")
        if started is None:
            self.stop()
            raise LoadError(
                f"the load did not start within {wait:g}s; see {self.log}",
                hint=self._streams[0].tail() if self._streams else None,
            )
        return started.t

    def set_users(self, users: int, spawn_rate: float | None = None) -> None:
        if self._streams:
            self._streams[0].send(json.dumps({"users": users, "spawn_rate": spawn_rate or users}))

    def set_recording(self, on: bool) -> None:
        """The single load process streams every request (on) or only counts them: the bench's
        switch, to compare the two in alternating windows of one run (bench/scaling.py)."""
        if self.config.distributed:
            raise LoadError("recording can be switched on a single load process only")
        if self._streams:
            self._streams[0].send(json.dumps({"record": on}))

    def set_gc(self, tuned: bool) -> None:
        """The single load process's cyclic GC as load processes run it (gc_settings.tune_gc) or
        Python's default: the bench's switch, to compare the two side by side."""
        if self.config.distributed:
            raise LoadError("the GC can be switched on a single load process only")
        if self._streams:
            self._streams[0].send(json.dumps({"gc": "tuned" if tuned else "default"}))

    def stop(self, timeout: float = 15.0) -> None:
        """Ask the load to stop, wait (bounded), kill what does not. The first process (the single
        one, or the master, which lets every worker send what it has) goes first."""
        if not self._streams:
            return
        first, rest = self._streams[0], self._streams[1:]
        if first.running:
            with contextlib.suppress(LoadError):
                first.send(json.dumps({"stop": True}))
        first.close_input()
        if not first.wait(timeout):
            first.kill()
        for stream in rest:
            stream.close_input()
        for stream in rest:
            if not stream.wait(5.0):
                stream.kill()
        for stream in self._streams:
            stream.join()

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
    def running(self) -> bool:
        return bool(self._streams) and all(s.running for s in self._streams)

    @property
    def pids(self) -> list[int]:
        """OS pids of the load processes on this machine (the single one, or master and local
        workers), e.g. to sample their CPU use."""
        return [pid for s in self._streams if (pid := s.pid) is not None]

    def wait_finished(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.running and time.monotonic() < deadline:
            time.sleep(0.05)

    # ------------------------------------------------------------------ reading

    def snapshot(self) -> list[RequestRecord]:
        """Every request so far, by start time."""
        with self._lock:
            got = list(self.requests)
        got.sort(key=_start)
        return got

    def receive(self, message: wire.Message) -> None:
        self.receive_many([message])

    def receive_many(self, messages: list[wire.Message]) -> None:
        """Messages from one of the streams (called by their reader threads)."""
        requests: list[RequestRecord] = []
        ledger: list[LedgerEntry] = []
        states: list[StateChange] = []
        fatal: list[str] = []
        for m in messages:
            if isinstance(m, RequestRecord):
                requests.append(m)
            elif isinstance(m, LedgerEntry):
                ledger.append(m)
            elif isinstance(m, StateChange):
                states.append(m)
            else:
                fatal.append(m)
        with self._changed:
            self.requests.extend(requests)
            self.ledger.extend(ledger)
            if states or fatal:
                self.states.extend(states)
                self.fatal = self.fatal or (fatal[0] if fatal else None)
                self._changed.notify_all()
        if self.on_request is not None:
            for r in requests:
                self.on_request(r)

    def ended(self) -> None:
        with self._changed:
            self._changed.notify_all()

    def wait_state(self, what: str, timeout: float) -> StateChange | None:
        """The first state called `what`, waiting up to `timeout` for it; None when it did not
        come (a fatal error, every process gone, or the time is up)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((s for s in self.states if s.what == what), None)
                if found is not None or self.fatal is not None:
                    return found
                left = deadline - time.monotonic()
                gone = self._streams and not any(s.running for s in self._streams)
                if left <= 0 or gone:
                    return None
                self._changed.wait(min(left, 0.5))

    # ------------------------------------------------------------------ remote clocks

    def clocks(self) -> dict[str, ClockEstimate]:
        """Each remote worker's clock offset as measured during the run (distributed.py)."""
        return distributed.worker_clocks(list(self.states))

    def clock_warnings(self, resolution: float | None = None) -> list[str]:
        """Remote workers whose clock is known less precisely than `resolution` (default: the
        figures' resolution at the rate measured, about 1 / req/s)."""
        return distributed.clock_warnings(self.clocks(), self.snapshot(), resolution)


def _start(r: RequestRecord) -> float:
    return r.t

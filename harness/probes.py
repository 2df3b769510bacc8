"""High-frequency probes, on the same clock as the requests: the LB's view and the machine
itself. (The entry's health probe, GET the health path every 50 ms, is one of the scenario's
probes now: harness/probing/, id `health`.)

LbProbe: the load balancer's runtime API every 25 ms; records each server's state changes.
HostProbe: every 0.5 s, the host's CPU and load, the load process's CPU, and how late the
probe itself woke (a starved machine cannot measure: docs/metrics.md, evidence).
(At 100 ms, `make bench` measured its "marked down" 77 ms off a 20 ms poller; the target is
50 ms. A `show stat` on the probe's kept connection costs about 75 us of CPU paced.)
Both are threads that stop when asked, and every call has a timeout.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from types import TracebackType

import psutil

from harness.errors import HarnessError, StackError
from harness.lb.haproxy_runtime import RuntimeSession
from harness.measure.observations import HostSample
from harness.measure.timeline import BackendEvent


class Poller:
    """A thread that calls poll() every `interval` until stopped (late polls are not queued)."""

    def __init__(self, interval: float, name: str) -> None:
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self.late = 0.0  # how late the current poll woke (s)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def __enter__(self) -> Poller:
        self.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _loop(self) -> None:
        next_at = time.monotonic()
        while not self._stop.is_set():
            self.late = max(0.0, time.monotonic() - next_at)
            self.poll()
            next_at += self.interval
            delay = next_at - time.monotonic()
            if delay < 0:
                next_at = time.monotonic()
            elif self._stop.wait(delay):
                break

    def poll(self) -> None:
        raise NotImplementedError


class LbProbe(Poller):
    """HAProxy's view of `backend`'s servers every 25 ms, on one connection kept for the
    probe's life (RuntimeSession, closed in stop()). What that saves is mostly HAProxy's work,
    which serves the load under test: 19 us a poll against 44 us with a connection each; the
    probe's own CPU a paced poll is mostly a cold start, 75 against 79 us (`python -m bench
    --only costs`, 2026-12-01 10:48, steady CPU; 85 against 130 us on a bursting one)."""

    def __init__(self, address: str, backend: str, *, interval: float = 0.025) -> None:
        super().__init__(interval, "lb-probe")
        self.runtime = RuntimeSession(address, timeout=0.5)
        self.backend = backend
        self.events: list[BackendEvent] = []
        self.current: dict[str, str] = {}  # server -> HAProxy's status, e.g. "UP 1/2"
        self.errors = 0

    def poll(self) -> None:
        t = time.time()
        try:
            servers = self.runtime.servers(self.backend)
        except StackError:
            self.errors += 1
            return
        for s in servers:
            before = self.current.get(s.server)
            self.current[s.server] = s.detail
            if before is None or before.split(" ", 1)[0] != s.status:
                prev = before.split(" ", 1)[0] if before else None
                self.events.append(BackendEvent(t, s.server, s.status, prev))

    def stop(self) -> None:
        super().stop()
        self.runtime.close()


class HostProbe(Poller):
    """The machine every 0.5 s (HostSample): busy and stolen CPU since the last sample, the
    1-minute load average per core, the CPU the load process(es) used, the CPU that something
    other than the harness, its load and its stack used (foreign), and this probe's own
    lateness. `watch()` names the load processes once they run, and how to find the stack's."""

    REFRESH = 10  # samples between two looks at which processes are the stack's

    def __init__(self, *, interval: float = 0.5) -> None:
        super().__init__(interval, "host-probe")
        self.samples: list[HostSample] = []
        self._cores = os.cpu_count() or 1
        self._load: list[psutil.Process] = []
        self._ours: list[psutil.Process] = [psutil.Process()]
        self._find_ours: Callable[[], list[int]] | None = None
        self._polls = 0
        self._last_cpu = psutil.cpu_times()
        self._last_t = time.monotonic()
        self._last_used: dict[int, float] = {}

    def watch(self, load_pids: list[int], ours: Callable[[], list[int]] | None = None) -> None:
        self._load = _processes(load_pids)
        self._find_ours = ours
        self._refresh()

    def _refresh(self) -> None:
        stack = self._find_ours() if self._find_ours is not None else []
        me = psutil.Process()
        self._ours = _processes(sorted({me.pid, *stack, *(p.pid for p in self._load)}))

    def poll(self) -> None:
        self._polls += 1
        if self._polls % self.REFRESH == 0:
            with contextlib.suppress(HarnessError, psutil.Error, OSError):
                self._refresh()  # a stack in the middle of a restart: keep the last list
        now = time.monotonic()
        cpu = psutil.cpu_times()
        total = sum(cpu) - sum(self._last_cpu)
        idle = (cpu.idle + getattr(cpu, "iowait", 0.0)) - (
            self._last_cpu.idle + getattr(self._last_cpu, "iowait", 0.0)
        )
        steal = getattr(cpu, "steal", 0.0) - getattr(self._last_cpu, "steal", 0.0)
        dt = now - self._last_t
        used = {p.pid: u for p in self._ours if (u := _used(p)) is not None}
        load_cpu = ours_cpu = 0.0
        load_pids = {p.pid for p in self._load}
        if dt > 0:
            for pid, u in used.items():
                before = self._last_used.get(pid)
                if before is None:
                    continue
                delta = max(0.0, u - before) / dt
                ours_cpu += delta
                if pid in load_pids:
                    load_cpu += delta
        self._last_used = used
        self._last_cpu, self._last_t = cpu, now
        if total <= 0:
            return
        busy = max(0.0, min(1.0, 1 - idle / total))
        self.samples.append(
            HostSample(
                t=time.time(),
                cpu_busy=busy,
                steal=max(0.0, steal / total),
                load_per_core=os.getloadavg()[0] / self._cores,
                load_cpu=load_cpu,
                harness_lag=self.late,
                foreign_cpu=max(0.0, busy * self._cores - ours_cpu),
            )
        )


def _processes(pids: list[int]) -> list[psutil.Process]:
    out = []
    for pid in pids:
        try:
            out.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return out


def _used(p: psutil.Process) -> float | None:
    """CPU seconds used so far by the process (user + system), None once it is gone."""
    try:
        t = p.cpu_times()
    except psutil.Error:
        return None
    return t.user + t.system

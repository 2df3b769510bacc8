"""The master of a distributed load run: Locust's MasterRunner as a library, plus shopchaos's
bookkeeping of its workers (harness/load/_protocol.py).

Run as `python -m harness.load._locust_master` with the LoadConfig JSON on the first line of
stdin; later lines are the single load process's commands ({"users": N}, {"stop": true}; end of
stdin stops the run). It listens for workers, tells the harness its port (state "master"),
waits until every expected worker has joined and taken the config, measures each remote
worker's clock, starts the users (state "started": the trial's t0), and passes remote workers'
streams on to the harness, corrected onto this machine's clock. Local workers write their
streams to the harness themselves. It stops by itself after `max_seconds`, and when a worker is
lost (a run with a missing worker would measure the wrong load).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402 - after gevent's patching, as Locust requires
import random  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.fileobject import FileObjectPosix  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import RPCError  # noqa: E402
from locust.runners import STATE_MISSING, MasterRunner  # noqa: E402

from harness.load import _protocol as p  # noqa: E402
from harness.load import wire  # noqa: E402
from harness.load._locust_common import (  # noqa: E402
    Output,
    configure,
    load_user_classes,
    require_loopback,
    watch_loop_lag,
)
from harness.load.clock import ClockTracker, sample  # noqa: E402

SYNC_PINGS = 20  # round trips with each remote worker before the users start
SYNC_SPACING = 0.02
SYNC_EVERY = 0.5  # seconds between round trips during the run
CLOCK_STATE_EVERY = 1.0  # seconds between clock reports to the harness, per worker
FINISH_TIMEOUT = 10.0
LOST_AFTER = 10.0  # seconds a worker may miss Locust's heartbeats before the run gives it up


@dataclass
class Member:
    client_id: str
    index: int
    remote: bool
    address: str
    pid: int
    ready: bool = False
    done: bool = False
    requests: int = 0
    clock: ClockTracker = field(default_factory=ClockTracker)
    pending: list[str] = field(default_factory=list)  # lines that came before the first pong
    clock_reported: float = 0.0


class Crew:
    """The workers of this run: who joined, with which index, their clocks and streams."""

    def __init__(self, runner: MasterRunner, out: Output, cfg: dict[str, Any]) -> None:
        self.runner = runner
        self.out = out
        self.cfg = cfg
        self.local = int(cfg["workers"])
        self.remote = int(cfg["remote_workers"])
        self.members: dict[str, Member] = {}
        self.closed = False  # no one joins once the users are started
        self.finishing = False
        self.all_ready = Event()
        self.all_done = Event()
        self._seq = 0
        self._spawner: gevent.Greenlet | None = None

    def register(self) -> None:
        r = self.runner
        r.register_message(p.HELLO, self.on_hello)
        r.register_message(p.READY, self.on_ready)
        r.register_message(p.PONG, self.on_pong)
        r.register_message(p.LINES, self.on_lines)
        r.register_message(p.DONE, self.on_done)

    @property
    def expected(self) -> int:
        return self.local + self.remote

    def remotes(self) -> list[Member]:
        return [m for m in self.members.values() if m.remote]

    # ---------------------------------------------------------------- joining

    def on_hello(self, environment: Environment, msg: Any, **_: Any) -> None:
        cid, data = msg.node_id, msg.data or {}
        member = self.members.get(cid)
        if member is None:
            index, why_not = self._place(data.get("index"))
            if index is None:
                self.runner.send_message(p.REJECT, {"reason": why_not}, client_id=cid)
                return
            member = Member(
                cid, index, data.get("index") is None, str(data.get("address")), int(data["pid"])
            )
            self.members[cid] = member
        config = {k: v for k, v in self.cfg.items() if k not in ("master_bind", "join_timeout")}
        self.runner.send_message(p.CONFIG, {"index": member.index, "config": config}, client_id=cid)

    def _place(self, local_index: int | None) -> tuple[int | None, str]:
        if self.closed:
            return None, "the run has started; join the next one"
        taken = {m.index for m in self.members.values()}
        if local_index is not None:
            if 0 <= local_index < self.local and local_index not in taken:
                return local_index, ""
            return None, f"no local worker {local_index} was expected"
        if len(self.remotes()) >= self.remote:
            return None, f"this run has its {self.remote} remote worker(s) already"
        return self.local + len(self.remotes()), ""

    def on_ready(self, environment: Environment, msg: Any, **_: Any) -> None:
        member = self.members.get(msg.node_id)
        if member is None or member.ready:
            return
        member.ready = True
        where = f"{member.address} (remote)" if member.remote else "local"
        self.out.put(wire.encode_state(wire.worker_state("joined", member.index), time.time()))
        sys.stderr.write(f"load worker {member.index} joined: {where}, pid {member.pid}\n")
        if sum(m.ready for m in self.members.values()) >= self.expected:
            self.all_ready.set()

    def wait_for_workers(self, local_wait: float, remote_wait: float, stop: Event) -> str | None:
        """Until every expected worker is ready: None, or what was late."""
        began = time.monotonic()
        while not (self.all_ready.is_set() or stop.is_set()):
            waited = time.monotonic() - began
            ready = [m for m in self.members.values() if m.ready]
            if waited > local_wait and sum(not m.remote for m in ready) < self.local:
                return f"the local load workers did not all join within {local_wait:g}s"
            if waited > remote_wait and sum(m.remote for m in ready) < self.remote:
                return f"the remote load workers did not all join within {remote_wait:g}s"
            gevent.sleep(0.05)
        return None if self.all_ready.is_set() else "stopped while waiting for the workers"

    def waiting_for(self) -> str:
        ready = [m for m in self.members.values() if m.ready]
        local = sum(not m.remote for m in ready)
        remote = len(ready) - local
        return f"{local} of {self.local} local and {remote} of {self.remote} remote workers joined"

    # ---------------------------------------------------------------- clocks

    def ping(self, member: Member) -> None:
        self._seq += 1
        data = {"seq": self._seq, "t1": time.time()}
        self.runner.send_message(p.PING, data, client_id=member.client_id)

    def sync_clocks(self, timeout: float = 5.0) -> bool:
        """Round trips with every remote worker until each has a clock estimate."""
        for _ in range(SYNC_PINGS):
            for member in self.remotes():
                self.ping(member)
            gevent.sleep(SYNC_SPACING)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(m.clock.estimate(time.time()) for m in self.remotes()):
                return True
            gevent.sleep(0.05)
        return False

    def keep_in_sync(self) -> None:
        while True:
            gevent.sleep(SYNC_EVERY)
            for member in self.remotes():
                if not member.done:
                    self.ping(member)

    def on_pong(self, environment: Environment, msg: Any, **_: Any) -> None:
        t4 = time.time()
        member = self.members.get(msg.node_id)
        if member is None:
            return
        d = msg.data
        member.clock.add(sample(float(d["t1"]), float(d["t2"]), float(d["t3"]), t4))
        estimate = member.clock.estimate(t4)
        if estimate is None:
            return
        if t4 - member.clock_reported >= CLOCK_STATE_EVERY:
            member.clock_reported = t4
            i = member.index
            self.out.put(wire.encode_state(wire.worker_state("clock", i), t4, estimate.offset))
            self.out.put(
                wire.encode_state(wire.worker_state("clock_err", i), t4, estimate.uncertainty)
            )
        if member.pending:
            lines, member.pending = member.pending, []
            self._forward(member, lines)

    # ---------------------------------------------------------------- streams

    def on_lines(self, environment: Environment, msg: Any, **_: Any) -> None:
        member = self.members.get(msg.node_id)
        if member is not None:
            self._forward(member, list(msg.data["lines"]))

    def _forward(self, member: Member, lines: list[str]) -> None:
        estimate = member.clock.estimate(time.time())
        if estimate is None:
            member.pending.extend(lines)
            return
        for line in lines:
            if line.startswith('["e"'):
                message = json.loads(line)[1]
                self.out.put(wire.encode_error(f"remote load worker {member.index}: {message}"))
            else:
                self.out.put(wire.shift(line, -estimate.offset))

    def on_done(self, environment: Environment, msg: Any, **_: Any) -> None:
        member = self.members.get(msg.node_id)
        if member is None:
            return
        member.done = True
        member.requests = int(msg.data.get("requests", 0))
        if member.pending:  # a worker whose clock never answered: say so, do not guess
            self.out.put(wire.encode_error(f"load worker {member.index}: no clock estimate"))
        if all(m.done for m in self.members.values()):
            self.all_done.set()

    # ---------------------------------------------------------------- the run

    def set_users(self, users: int, spawn_rate: float) -> None:
        if self._spawner is not None:
            self._spawner.kill()
        self._spawner = gevent.spawn(self.runner.start, users, spawn_rate)

    def watch(self, stop: Event) -> None:
        """A worker that quits, or misses Locust's heartbeats for LOST_AFTER seconds (a busy
        machine may miss a few), before the end ends the run."""
        missing: dict[str, float] = {}
        while not stop.is_set():
            gevent.sleep(1.0)
            if self.finishing:
                return
            now = time.monotonic()
            for member in self.members.values():
                node = self.runner.clients.get(member.client_id)
                if node is not None and node.state != STATE_MISSING:
                    missing.pop(member.client_id, None)
                    continue
                since = missing.setdefault(member.client_id, now)
                if node is None or now - since >= LOST_AFTER:
                    where = f"remote, {member.address}" if member.remote else "local"
                    self.out.put(
                        wire.encode_error(
                            f"load worker {member.index} ({where}) was lost during the run"
                        )
                    )
                    stop.set()
                    return

    def finish(self) -> None:
        """Stop the users everywhere and wait (bounded) until every worker sent what it has."""
        self.finishing = True
        if self._spawner is not None:
            self._spawner.kill()
        if self.members and not all(m.done for m in self.members.values()):
            self.runner.send_message(p.FINISH, {})
            self.all_done.wait(FINISH_TIMEOUT)


def _bind(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return (host or "*"), int(port)


def _setup(out: Output, stdin: Any) -> tuple[dict[str, Any], Environment, MasterRunner] | None:
    try:
        cfg = json.loads(stdin.readline())
        require_loopback(cfg["host"])
        random.seed(cfg.get("seed"))
        classes = configure(load_user_classes(cfg["user_classes"], cfg.get("sys_path")), cfg)
        env = Environment(user_classes=classes, host=cfg["host"])
        host, port = _bind(str(cfg["master_bind"]))
        try:
            runner = env.create_master_runner(host, port)
        except (SystemExit, RPCError) as e:  # Locust exits when the port is taken
            raise ValueError(f"cannot listen for load workers on {host}:{port} ({e})") from e
    except Exception as e:  # report any setup problem to the harness, then exit
        out.put(wire.encode_error(f"load master setup failed: {e}"))
        out.flush()
        return None
    return cfg, env, runner


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the harness stops us (SIGTERM / stdin)
    out = Output()
    stdin = FileObjectPosix(sys.stdin.fileno(), "rb", close=False)
    ready = _setup(out, stdin)
    if ready is None:
        return 2
    cfg, _env, runner = ready
    crew = Crew(runner, out, cfg)
    crew.register()
    stop = Event()

    def commands() -> None:
        while line := stdin.readline():
            cmd = json.loads(line)
            if cmd.get("stop"):
                break
            if "users" in cmd:
                crew.set_users(int(cmd["users"]), float(cmd.get("spawn_rate") or cmd["users"]))
                out.put(wire.encode_state("users", time.time(), int(cmd["users"])))
        stop.set()

    gevent.signal_handler(signal.SIGTERM, stop.set)
    out.put(wire.encode_state("master", time.time(), runner.server.port))
    out.flush()
    pump = gevent.spawn(out.pump)
    lag = gevent.spawn(watch_loop_lag, out, wire.worker_state("lag", "master"))
    gevent.spawn(commands)
    code = _run(crew, cfg, stop)
    crew.finish()
    runner.quit()
    lag.kill()
    for m in sorted(crew.members.values(), key=lambda m: m.index):
        out.put(wire.encode_state(wire.worker_state("total", m.index), time.time(), m.requests))
    total = sum(m.requests for m in crew.members.values())
    out.put(wire.encode_state("total", time.time(), total))
    out.put(wire.encode_state("stopped", time.time(), total))
    pump.kill()
    out.flush()
    runner.server.close(linger=0)
    return code


def _run(crew: Crew, cfg: dict[str, Any], stop: Event) -> int:
    """Join, sync clocks, start the users; return when the run is over (0) or could not start."""
    late = crew.wait_for_workers(float(cfg["join_timeout"]), float(cfg["remote_wait"]), stop)
    if late is not None:
        if not stop.is_set():
            crew.out.put(wire.encode_error(f"{late}: {crew.waiting_for()}"))
        return 2
    crew.closed = True
    if crew.remote and not crew.sync_clocks():
        crew.out.put(wire.encode_error("a remote load worker did not answer the clock round trips"))
        return 2
    gevent.spawn_later(float(cfg["max_seconds"]), stop.set)
    gevent.spawn(crew.keep_in_sync)
    gevent.spawn(crew.watch, stop)
    t0 = time.time()
    crew.set_users(int(cfg["users"]), float(cfg["spawn_rate"]))
    crew.out.put(wire.encode_state("started", t0, int(cfg["users"])))
    crew.out.flush()
    stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A worker of a distributed load run: Locust's WorkerRunner as a library.

Run as `python -m harness.load._locust_worker` with one JSON line on stdin:
{"master_host", "master_port", "index", "bind", "join_timeout"}. A *local* worker (index given,
started by the harness) writes its stream to stdout like the single load process; a *remote*
worker (index null, started by `shopchaos load-worker` on another machine) sends it to the
master in Locust messages, stamped on its own clock, and answers the master's clock round trips.
Either way the master sends the config (harness/load/_protocol.py) and spawns the users.

Exit status: 0 served a run, 3 no master answered, 4 turned away (a run already complete).
Bounded like every load process: it stops at the config's `max_seconds` or `max_requests`, when
stdin closes (the harness or `shopchaos load-worker` went away), when the master says so, and
(Locust's own rule) after 60 s without a heartbeat from the master. A remote worker's times can
be skewed for tests: SHOPCHAOS_TEST_CLOCK_SKEW seconds are added to every time it sends.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402 - after gevent's patching, as Locust requires
import os  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.event import Event  # noqa: E402
from gevent.fileobject import FileObjectPosix  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.runners import WorkerRunner  # noqa: E402

from harness.load import _protocol as p  # noqa: E402
from harness.load import ledger, wire  # noqa: E402
from harness.load._locust_common import (  # noqa: E402
    Counter,
    Output,
    Recorder,
    configure,
    load_user_classes,
    report_user_errors,
    require_loopback,
    watch_loop_lag,
)
from harness.load.gc_settings import tune_gc  # noqa: E402

HELLO_EVERY = 2.0  # seconds between HELLOs until the master answers with the config


class Worker:
    def __init__(self, runner: WorkerRunner, env: Environment, boot: dict[str, Any]) -> None:
        self.runner = runner
        self.env = env
        self.boot = boot
        self.remote = boot.get("index") is None
        self.skew = float(os.environ.get(p.SKEW_ENV, "0") or 0) if self.remote else 0.0
        self.out = Output(self._send_lines) if self.remote else Output()
        self.index: int | None = boot.get("index")
        self.configured = Event()
        self.counter: Recorder | Counter | None = None
        self.rejected: str | None = None

    def register(self) -> None:
        r = self.runner
        r.register_message(p.CONFIG, self.on_config)
        r.register_message(p.PING, self.on_ping)
        r.register_message(p.FINISH, self.on_finish, concurrent=True)
        r.register_message(p.REJECT, self.on_reject)

    def now(self) -> float:
        return time.time() + self.skew

    def _send_lines(self, lines: list[str]) -> None:
        if self.skew:
            lines = [wire.shift(line, self.skew) for line in lines]
        self.runner.send_message(p.LINES, {"lines": lines})

    def hello(self, timeout: float) -> bool:
        data = {
            "index": self.boot.get("index"),
            "pid": os.getpid(),
            "address": self.boot.get("bind") or socket.gethostname(),
        }
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.rejected is None:
            self.runner.send_message(p.HELLO, data)
            if self.configured.wait(min(HELLO_EVERY, max(0.0, deadline - time.monotonic()))):
                return True
        return False

    def on_config(self, environment: Environment, msg: Any, **_: Any) -> None:
        if self.configured.is_set():
            return  # an answer to a repeated HELLO
        index, cfg = int(msg.data["index"]), dict(msg.data["config"])
        self.index = index
        try:
            require_loopback(cfg["host"])
            random.seed(f"{cfg.get('seed')}:{index}")
            classes = configure(load_user_classes(cfg["user_classes"], cfg.get("sys_path")), cfg)
        except Exception as e:  # tell the harness (through the master) and stop
            self.out.put(wire.encode_error(f"load worker {index} setup failed: {e}"))
            self.out.flush()
            self.runner.quit()
            return
        self.env.user_classes = classes
        self.env.host = cfg["host"]
        ledger.number_users_from(index * p.USERS_PER_WORKER + 1)
        limit = wire.worker_state("limit", index)
        if cfg.get("record", True):
            recorder = Recorder(self.out, int(cfg["max_requests"]), self.runner.quit, limit)
            self.counter = recorder
            self.env.events.request.add_listener(recorder.record)
        else:
            self.counter = Counter()
            self.env.events.request.add_listener(self.counter)
        report_user_errors(self.env)
        ledger.install(lambda entry: self.out.put(wire.encode_ledger(entry)))
        gevent.spawn(self.out.pump)
        gevent.spawn(watch_loop_lag, self.out, wire.worker_state("lag", index))
        # with remote workers, the master may wait remote_wait for them before the users start
        waits = float(cfg.get("remote_wait") or 0) if cfg.get("remote_workers") else 0.0
        limit_s = float(cfg["max_seconds"]) + waits
        gevent.spawn_later(limit_s, self.runner.quit)
        tune_gc()
        self.configured.set()
        self.runner.send_message(p.READY, {"index": index})

    def on_ping(self, environment: Environment, msg: Any, **_: Any) -> None:
        t2 = self.now()
        reply = {"seq": msg.data["seq"], "t1": msg.data["t1"], "t2": t2, "t3": self.now()}
        self.runner.send_message(p.PONG, reply)

    def on_finish(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.runner.stop()
        count = self.counter.count if self.counter is not None else 0
        what = wire.worker_state("stopped", self.index if self.index is not None else "?")
        self.out.put(wire.encode_state(what, time.time(), count))
        self.out.flush()
        self.runner.send_message(p.DONE, {"index": self.index, "requests": count})

    def on_reject(self, environment: Environment, msg: Any, **_: Any) -> None:
        self.rejected = str(msg.data.get("reason"))
        self.runner.quit()


def _connect(boot: dict[str, Any], env: Environment) -> WorkerRunner:
    host, port = str(boot["master_host"]), int(boot["master_port"])
    if boot.get("bind"):  # ZeroMQ's source-address form: connect from this local address
        host = f"{boot['bind']}:0;{host}"
    with gevent.Timeout(float(boot["join_timeout"])):
        return env.create_worker_runner(host, port)


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopped by its parent (stdin) or the master
    stdin = FileObjectPosix(sys.stdin.fileno(), "rb", close=False)
    boot = json.loads(stdin.readline())
    remote = boot.get("index") is None
    env = Environment(user_classes=[])
    where = f"{boot['master_host']}:{boot['master_port']}"
    try:
        runner = _connect(boot, env)
    except (gevent.Timeout, ConnectionError):
        _fail(remote, f"no load master answered at {where} within {boot['join_timeout']:g}s")
        return 3
    worker = Worker(runner, env, boot)
    worker.register()

    def watch_stdin() -> None:
        while stdin.readline():
            pass
        runner.quit()

    gevent.spawn(watch_stdin)
    gevent.signal_handler(signal.SIGTERM, runner.quit)
    if not worker.hello(float(boot["join_timeout"])):
        why = worker.rejected or f"the master at {where} sent no config"
        _fail(remote, f"not joined: {why}")
        runner.client.close(linger=0)
        return 4 if worker.rejected else 3
    if remote:
        sys.stderr.write(f"joined {where} as load worker {worker.index}\n")
    runner.greenlet.join()
    worker.out.flush()
    runner.client.close(linger=1000)  # let the last messages to the master go out
    return 0


def _fail(remote: bool, message: str) -> None:
    if remote:
        sys.stderr.write(message + "\n")
    else:
        sys.stdout.write(wire.encode_error(message) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())

"""The load process: Locust as a library, streaming every request to the harness.

Run as `python -m harness.load._locust_process` with a JSON config on the first line of stdin.
Later stdin lines are commands: {"users": N, "spawn_rate": R}, {"record": true|false} and
{"gc": "tuned"|"default"} (the bench's switches: stream every request or only count them; the
load processes' cyclic GC or Python's) or {"stop": true}; end of stdin
(the harness went away) stops the run. It stops by itself after `max_seconds` or `max_requests`.
This module imports Locust, which monkey-patches the process with gevent: nothing in the
harness imports it. With `load.workers` > 1 the harness runs _locust_master and _locust_worker
instead (harness/load/distributed.py).
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import json  # noqa: E402 - after gevent's patching, as Locust requires
import random  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402
from gevent.fileobject import FileObjectPosix  # noqa: E402
from locust.env import Environment  # noqa: E402

from harness.load import ledger, wire  # noqa: E402
from harness.load._locust_common import (  # noqa: E402
    Output,
    Recorder,
    configure,
    load_user_classes,
    report_user_errors,
    require_loopback,
    watch_loop_lag,
)
from harness.load.gc_settings import tune_gc  # noqa: E402


def setup(out: Output, stdin: Any) -> tuple[dict[str, Any], list[Any]] | None:
    try:
        cfg = json.loads(stdin.readline())
        require_loopback(cfg["host"])
        random.seed(cfg.get("seed"))
        classes = configure(load_user_classes(cfg["user_classes"], cfg.get("sys_path")), cfg)
    except Exception as e:  # report any setup problem to the harness, then exit
        out.put(wire.encode_error(f"load process setup failed: {e}"))
        out.flush()
        return None
    return cfg, classes


class Recording:
    """Whether the process streams every request (the bench switches it off and on to measure
    what recording costs), and the request cap while it does not: the Recorder counts only what
    it records, so Locust's own count, looked at twice a second, bounds the load then."""

    def __init__(
        self, env: Environment, recorder: Recorder, out: Output, quit: Callable[[], Any], cap: int
    ) -> None:
        self.env, self.recorder, self.out, self.quit, self.cap = env, recorder, out, quit, cap
        self.on = False

    def set(self, on: bool) -> None:
        if on and not self.on:
            self.env.events.request.add_listener(self.recorder.record)
        elif self.on and not on:
            self.env.events.request.remove_listener(self.recorder.record)
        self.on = on

    def cap_while_off(self) -> None:
        while True:
            gevent.sleep(0.5)
            total = self.env.stats.total.num_requests
            if not self.on and total >= self.cap:
                self.out.put(wire.encode_state("limit", time.time(), total))
                self.quit()
                return


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the harness stops us (SIGTERM / stdin)
    out = Output()
    stdin = FileObjectPosix(sys.stdin.fileno(), "rb", close=False)
    ready = setup(out, stdin)
    if ready is None:
        return 2
    cfg, classes = ready
    env = Environment(user_classes=classes, host=cfg["host"])
    runner = env.create_local_runner()
    recorder = Recorder(out, int(cfg["max_requests"]), runner.quit, "limit")
    recording = Recording(env, recorder, out, runner.quit, int(cfg["max_requests"]))
    recording.set(bool(cfg.get("record", True)))
    report_user_errors(env)
    ledger.install(lambda entry: out.put(wire.encode_ledger(entry)))

    def commands() -> None:
        while line := stdin.readline():
            cmd = json.loads(line)
            if cmd.get("stop"):
                break
            if "users" in cmd:
                runner.start(int(cmd["users"]), float(cmd.get("spawn_rate") or cmd["users"]))
                out.put(wire.encode_state("users", time.time(), int(cmd["users"])))
            if "record" in cmd:
                recording.set(bool(cmd["record"]))
            if "gc" in cmd:
                tune_gc(cmd["gc"] == "tuned")
        runner.quit()

    gevent.signal_handler(signal.SIGTERM, runner.quit)
    gevent.spawn(recording.cap_while_off)
    pump = gevent.spawn(out.pump)
    lag = gevent.spawn(watch_loop_lag, out, "lag")
    gevent.spawn(commands)
    gevent.spawn_later(float(cfg["max_seconds"]), runner.quit)
    tune_gc()
    runner.start(int(cfg["users"]), float(cfg["spawn_rate"]))
    out.put(wire.encode_state("started", time.time(), int(cfg["users"])))
    out.flush()
    runner.greenlet.join()
    lag.kill()
    out.put(wire.encode_state("total", time.time(), env.stats.total.num_requests))
    out.put(wire.encode_state("stopped", time.time(), recorder.count))
    pump.kill()
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

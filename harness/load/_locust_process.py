"""The load process: Locust as a library, streaming every request to the harness.

Run as `python -m harness.load._locust_process` with a JSON config on the first line of stdin.
Later stdin lines are commands: {"users": N, "spawn_rate": R} or {"stop": true}; end of stdin
(the harness went away) stops the run. It stops by itself after `max_seconds` or `max_requests`.
This module imports Locust, which monkey-patches the process with gevent: nothing in the
harness imports it.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import importlib  # noqa: E402 - after gevent's patching, as Locust requires
import ipaddress  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlsplit  # noqa: E402

import gevent  # noqa: E402
from gevent.fileobject import FileObjectPosix  # noqa: E402
from locust import between  # noqa: E402
from locust.env import Environment  # noqa: E402

from harness.load import ledger, wire  # noqa: E402
from harness.measure.timeline import RequestRecord  # noqa: E402


class Output:
    """Buffered, cooperative writes to stdout, flushed every 50 ms."""

    def __init__(self) -> None:
        self._out = FileObjectPosix(sys.stdout.fileno(), "wb", close=False)
        self._buf: list[str] = []
        self.count = 0

    def put(self, line: str) -> None:
        self._buf.append(line)

    def flush(self) -> None:
        if self._buf:
            data, self._buf = "\n".join(self._buf) + "\n", []
            self._out.write(data.encode())
            self._out.flush()

    def pump(self) -> None:
        while True:
            gevent.sleep(0.05)
            self.flush()


def lag_ticker(out: Output, tick: float = 0.1) -> None:
    """The event loop's lag: how late a 0.1 s tick wakes. Once a second, the p99 of that
    second's lags goes to the harness (["s", "lag", t, seconds]): a starved machine or a
    saturated load generator shows here first (docs/metrics.md, evidence)."""
    lags: list[float] = []
    second = time.monotonic() + 1.0
    while True:
        before = time.monotonic()
        gevent.sleep(tick)
        lags.append(max(0.0, time.monotonic() - before - tick))
        if time.monotonic() >= second:
            lags.sort()
            out.put(wire.encode_state("lag", time.time(), lags[int(0.99 * (len(lags) - 1))]))
            lags = []
            second = time.monotonic() + 1.0


def load_user_classes(spec: str) -> list[Any]:
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


def configure(classes: list[Any], cfg: dict[str, Any]) -> None:
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


class Recorder:
    """Turns Locust's request events into RequestRecords on the wire; enforces max_requests."""

    def __init__(self, out: Output, max_requests: int, on_limit: Any) -> None:
        self.out = out
        self.max_requests = max_requests
        self.on_limit = on_limit

    def __call__(self, **kw: Any) -> None:
        request_type, name = str(kw["request_type"]), str(kw["name"])
        response_time = float(kw["response_time"])
        exception, context = kw.get("exception"), kw.get("context") or {}
        start = kw.get("start_time")
        record = RequestRecord(
            t=float(start) if start is not None else time.time() - response_time / 1000,
            duration=response_time / 1000,
            name=name if name.startswith(request_type) else f"{request_type} {name}",
            status=int(getattr(kw.get("response"), "status_code", 0) or 0),
            error=None if exception is None else f"{type(exception).__name__}: {exception}"[:200],
            user=int(context.get("user", 0)),
        )
        self.out.put(wire.encode_request(record))
        self.out.count += 1
        if self.out.count == self.max_requests:
            self.out.put(wire.encode_state("limit", time.time(), self.out.count))
            gevent.spawn(self.on_limit)


def setup(out: Output, stdin: Any) -> tuple[dict[str, Any], list[Any]] | None:
    try:
        cfg = json.loads(stdin.readline())
        require_loopback(cfg["host"])
        random.seed(cfg.get("seed"))
        sys.path[:0] = [p for p in cfg.get("sys_path") or [] if p not in sys.path]
        classes = load_user_classes(cfg["user_classes"])
        configure(classes, cfg)
    except Exception as e:  # report any setup problem to the harness, then exit
        out.put(wire.encode_error(f"load process setup failed: {e}"))
        out.flush()
        return None
    return cfg, classes


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
    if cfg.get("record", True):  # off only to measure the harness's own overhead (bench/)
        env.events.request.add_listener(Recorder(out, int(cfg["max_requests"]), runner.quit))
    env.events.user_error.add_listener(
        lambda user_instance, exception, tb: sys.stderr.write(
            "".join(traceback.format_exception(exception))
        )
    )
    ledger.install(lambda entry: out.put(wire.encode_ledger(entry)))

    def commands() -> None:
        while line := stdin.readline():
            cmd = json.loads(line)
            if cmd.get("stop"):
                break
            if "users" in cmd:
                runner.start(int(cmd["users"]), float(cmd.get("spawn_rate") or cmd["users"]))
                out.put(wire.encode_state("users", time.time(), int(cmd["users"])))
        runner.quit()

    gevent.signal_handler(signal.SIGTERM, runner.quit)
    pump = gevent.spawn(out.pump)
    ticker = gevent.spawn(lag_ticker, out)
    gevent.spawn(commands)
    gevent.spawn_later(float(cfg["max_seconds"]), runner.quit)
    runner.start(int(cfg["users"]), float(cfg["spawn_rate"]))
    out.put(wire.encode_state("started", time.time(), int(cfg["users"])))
    out.flush()
    runner.greenlet.join()
    out.put(wire.encode_state("total", time.time(), env.stats.total.num_requests))
    out.put(wire.encode_state("stopped", time.time(), out.count))
    ticker.kill()
    pump.kill()
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())

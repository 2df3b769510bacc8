"""Load from several processes and machines, for real: Locust's master and workers, remote
workers on other loopback addresses (stand-ins for other machines), one with a skewed clock that
the correction must remove, checked against a server that notes when each request arrived."""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from harness.errors import LoadError
from harness.load.process import LoadConfig, LoadProcess
from harness.load.wire import split_state
from harness.platforms.local import LocalPlatform
from harness.record import model as rec
from harness.scenario.loader import LoadedScenario
from harness.scenario.runner import RunOptions, SilentUI, run
from harness.scenario.schema import Scenario

from .conftest import ROOT

pytestmark = pytest.mark.integration
PER_WORKER = 1_000_000  # user ids of worker i start at i * this (harness/load/_protocol.py)
SKEW = 5.0


class Arrivals(ThreadingHTTPServer):
    """Answers 200 to anything and notes when each path arrived, on the harness's clock."""

    daemon_threads = True

    def __init__(self) -> None:
        self.seen: dict[str, float] = {}
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a load stopped mid-request
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        arrived = time.time()
        self.server.seen[self.path] = arrived  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def arrivals() -> Iterator[Arrivals]:
    server = Arrivals()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def importable_users(monkeypatch: pytest.MonkeyPatch) -> None:
    """The load processes import tests.fixtures.locust_users."""
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), path])))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def truth_config(host: str, **kw: object) -> LoadConfig:
    base: dict[str, object] = {
        "host": host,
        "user_classes": "tests.fixtures.locust_users:Truth",
        "users": 6,
        "spawn_rate": 6,
        "max_seconds": 60,
        "max_requests": 50_000,
        "seed": 3,
    }
    return LoadConfig(**(base | kw))  # type: ignore[arg-type]


def load_worker(
    port: int, bind: str, skew: float, *, once: bool = True, wait: float = 60
) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "harness.cli", "load-worker", "--master", f"127.0.0.1:{port}"]
    limits = ["--wait", f"{wait:g}", "--max-seconds", "180"]
    return subprocess.Popen(
        [*argv, "--bind", bind, *(["--once"] if once else []), *limits],
        env={**os.environ, "SHOPCHAOS_TEST_CLOCK_SKEW": str(skew)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )


def peers_of(port: int) -> set[str]:
    """The addresses connected to the master's port (seen from the master's side)."""
    return {
        c.raddr.ip
        for c in psutil.net_connections(kind="tcp")
        if c.laddr and c.raddr and c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
    }


def assert_all_gone(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess):
            assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE, pid


def test_remote_workers_clocks_are_corrected_onto_the_harness_clock(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    port = free_port()
    config = truth_config(
        arrivals.url, remote_workers=2, master_bind=f"127.0.0.1:{port}", remote_wait=60.0
    )
    workers = [load_worker(port, "127.0.0.2", SKEW), load_worker(port, "127.0.0.3", 0.0)]
    load = LoadProcess(config, log=tmp_path / "load.log")
    try:
        t0 = load.start(timeout=60)
        time.sleep(1.5)
        peers = peers_of(port)
        time.sleep(3.5)
        assert load.running
    finally:
        load.stop()
        outputs = []
        for w in workers:
            try:
                outputs.append(w.communicate(timeout=60)[0])
            finally:
                w.kill()
    assert load.fatal is None, load.fatal
    assert [w.returncode for w in workers] == [0, 0], outputs
    assert {"127.0.0.2", "127.0.0.3"} <= peers  # the workers came from their own addresses

    clocks = load.clocks()
    assert set(clocks) == {"1", "2"}  # the local worker is 0; the remote ones are numbered next
    skewed = next(w for w, c in clocks.items() if c.offset > SKEW / 2)
    plain = next(w for w in clocks if w != skewed)
    assert clocks[skewed].offset == pytest.approx(SKEW, abs=0.01)
    assert clocks[plain].offset == pytest.approx(0.0, abs=0.01)
    assert all(c.uncertainty < 0.01 for c in clocks.values()), clocks

    requests = load.snapshot()
    by_worker: dict[int, list[float]] = {0: [], 1: [], 2: []}
    for r in requests:
        assert r.status == 200, r
        arrived = arrivals.seen[r.name.removeprefix("GET ")]
        # 5 ms: two processes' wall-clock readings on a busy VM (in CI the server stamped a local
        # request 0.4 ms after its client had the answer)
        slack = (
            clocks[str(r.user // PER_WORKER)].uncertainty + 0.005 if r.user > PER_WORKER else 0.005
        )
        # the server saw it after the worker started it and before the worker had the answer
        assert r.t - slack <= arrived <= r.t + r.duration + slack, (r, arrived)
        by_worker[r.user // PER_WORKER].append(arrived - r.t)
    for w, late in by_worker.items():
        assert len(late) > 20, (w, len(late))
        assert statistics.median(late) < 0.005, (w, statistics.median(late))
    assert min(r.t for r in requests) >= t0 - clocks[skewed].uncertainty

    lags = {split_state(s.what)[1] for s in load.states if split_state(s.what)[0] == "lag"}
    assert {"master", "0", "1", "2"} <= lags  # every process reports its loop lag
    lag_times = [s.t for s in load.states if s.what == f"lag:{skewed}"]
    assert lag_times and all(abs(t - time.time()) < 60 for t in lag_times)  # corrected too
    assert_all_gone(load.pids)


def test_a_remote_worker_that_never_comes_fails_the_start_in_time(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    config = truth_config(
        arrivals.url, remote_workers=1, master_bind=f"127.0.0.1:{free_port()}", remote_wait=3.0
    )
    load = LoadProcess(config, log=tmp_path / "load.log")
    began = time.monotonic()
    with pytest.raises(LoadError, match="remote load workers did not all join within 3s"):
        load.start(timeout=60.0)
    assert time.monotonic() - began < 30
    assert not load.running
    assert_all_gone(load.pids)


def test_one_remote_worker_serves_trial_after_trial(arrivals: Arrivals, tmp_path: Path) -> None:
    port = free_port()
    worker = load_worker(port, "127.0.0.2", 0.0, once=False, wait=15)
    try:
        for trial in range(2):  # each trial has its own master on the same port
            config = truth_config(
                arrivals.url, remote_workers=1, master_bind=f"127.0.0.1:{port}", remote_wait=60.0
            )
            load = LoadProcess(config, log=tmp_path / f"load-{trial}.log")
            try:
                load.start(timeout=60)
                time.sleep(1.5)
            finally:
                load.stop()
            assert load.fatal is None, load.fatal
            assert {r.user // PER_WORKER for r in load.snapshot()} == {0, 1}
        out, _ = worker.communicate(timeout=90)  # no third master: it gives up after --wait
    finally:
        worker.kill()
    assert worker.returncode == 0, out
    assert "served 2 trial(s)" in out


def test_the_single_load_process_reports_its_loop_lag_and_pid(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    load = LoadProcess(truth_config(arrivals.url), log=tmp_path / "load.log")
    try:
        load.start()
        (pid,) = load.pids
        assert psutil.Process(pid).cmdline()[-1] == "harness.load._locust_process"
        time.sleep(2.5)
    finally:
        load.stop()
    lags = [s for s in load.states if s.what == "lag"]
    assert len(lags) >= 2
    assert all(s.value is not None and 0 <= s.value < 5 for s in lags)
    assert_all_gone([pid])


def test_the_bench_switches_recording_on_and_off_in_one_run(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    """bench/scaling.py compares recorded and counted-only windows of one load run."""
    load = LoadProcess(truth_config(arrivals.url, record=False), log=tmp_path / "load.log")
    try:
        load.start()
        time.sleep(1.0)
        assert load.snapshot() == []
        load.set_recording(True)
        time.sleep(1.0)
        on = len(load.snapshot())
        load.set_recording(False)
        time.sleep(0.5)  # what was sent before the switch arrives
        off = len(load.snapshot())
        time.sleep(1.0)
        assert on > 10 and len(load.snapshot()) == off
    finally:
        load.stop()
    total = next(s for s in load.states if s.what == "total")
    assert total.value is not None and total.value > off  # Locust counted every request


def test_a_load_that_records_nothing_still_stops_at_its_request_cap(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    """The bench's record: false mode attaches no recorder: Locust's own count bounds it."""
    config = truth_config(arrivals.url, record=False, max_requests=40)
    with LoadProcess(config, log=tmp_path / "load.log") as load:
        load.start()
        load.wait_finished(30)
        limit = next((s for s in load.states if s.what == "limit"), None)
        assert limit is not None and limit.value is not None and limit.value >= 40
        assert not load.running


def _timeline(reports: Path, record: rec.RunRecord) -> list[dict[str, str]]:
    trial = record.scenarios[0].trials[0]
    with gzip.open(reports / record.run_id / str(trial.timeline_csv), "rt") as fh:
        return list(csv.DictReader(fh))


def test_two_workers_through_the_runner_with_a_surge_across_them(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    doc = {
        "name": "two-workers-surge",
        "description": "load from two Locust workers; a surge split between them",
        "load": {"users": 4, "spawn_rate": 8, "workers": 2, "think_time": "50ms..100ms"},
        "phases": {"warmup": "1s", "baseline": "3s", "observe": "2s"},
        "faults": [
            {"id": "rush", "type": "surge", "users": 12, "spawn_rate": 24, "duration": "4s"}
        ],
    }
    scenario = Scenario.model_validate(doc)
    opts = RunOptions(reports_dir=tmp_path, seed=5, keep_stack=True)
    record, _ = run([LoadedScenario(scenario, Path("test:two-workers"))], stack, opts, SilentUI())
    trial = record.scenarios[0].trials[0]
    assert not trial.errors, trial.errors
    rows = _timeline(tmp_path, record)
    (fault,) = trial.faults
    assert fault.t_inject is not None and fault.t_revert is not None

    keys = [(r["t_abs"], r["user"], r["name"]) for r in rows]
    assert len(keys) == len(set(keys))  # nothing arrived twice
    assert trial.phases is not None
    starts = [float(r["t"]) for r in rows]  # seconds from t0, when the users began
    # inside the trial: from t0 until the load was stopped, just after the trial's end
    assert min(starts) >= 0 and max(starts) <= trial.phases.end + 1.0

    def users(since: float, until: float) -> dict[int, set[int]]:
        got: dict[int, set[int]] = {0: set(), 1: set()}
        for r in rows:
            if since <= float(r["t"]) < until:
                got[int(r["user"]) // PER_WORKER].add(int(r["user"]))
        return got

    before = users(1.5, fault.t_inject)
    during = users(fault.t_inject + 1.5, fault.t_revert)
    assert [len(before[w]) for w in (0, 1)] == [2, 2]  # Locust's master split the users
    assert [len(during[w]) for w in (0, 1)] == [6, 6]  # and the surge


def test_load_and_probes_ignore_a_proxy_in_the_environment(
    arrivals: Arrivals, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HTTP_PROXY (a corporate machine) must not take the stack's traffic: requests honours it
    for 127.0.0.1 too. Here it points at a closed port, so any request through it would fail."""
    dead = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    from harness.httpcall.network import local_session
    from harness.platforms._health import probe
    from harness.stack.health import Health

    with local_session() as session:
        assert session.get(f"{arrivals.url}/probe", timeout=5).status_code == 200
    # instances' readiness at `up` and `status` (and reconciliation's http source, the same
    # way) went through the proxy: "unreachable" here before
    address = arrivals.url.removeprefix("http://")
    assert probe(Health(ready="/ready"), address, timeout=5) == "ready"
    config = truth_config(arrivals.url, user_classes="tests.fixtures.locust_users:PlainRequests")
    load = LoadProcess(config, log=tmp_path / "load.log")
    try:
        load.start()
        time.sleep(1.5)
    finally:
        load.stop()
    records = load.snapshot()
    assert "/token" in arrivals.seen  # the locustfile's own `requests` call, not via the proxy
    assert len(records) >= 10
    assert not any(r.failed for r in records), {r.error for r in records if r.failed}


def test_a_load_that_stops_at_its_request_cap_mid_trial_is_an_error_not_a_figure(
    stack: LocalPlatform, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The load processes stop by themselves at a request cap (a bound on every load loop). Met
    mid-trial, the load vanishes: a throughput collapse no fault caused. The trial must say so
    (status error), not read figures from it."""
    from harness.scenario import trial as trial_module

    monkeypatch.setattr(trial_module, "request_cap", lambda max_seconds: 60)
    doc = {
        "name": "capped",
        "description": "a load cap far below what the trial needs",
        "load": {"users": 4, "spawn_rate": 8, "think_time": "20ms..40ms"},
        "phases": {"warmup": "1s", "baseline": "2s", "observe": "1s"},
        "faults": [{"id": "rush", "type": "surge", "users": 6, "spawn_rate": 12, "duration": "1s"}],
    }
    scenario = Scenario.model_validate(doc)
    opts = RunOptions(reports_dir=tmp_path, seed=5, keep_stack=True)
    record, _ = run(
        [
            LoadedScenario(scenario, Path("test:capped")),
        ],
        stack,
        opts,
        SilentUI(),
    )
    trial = record.scenarios[0].trials[0]
    assert trial.status == rec.Status.ERROR
    assert any("request cap (60 requests)" in e for e in trial.errors), trial.errors


def test_a_teams_own_request_events_are_recorded_and_an_unusable_one_is_only_counted(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    """The load process writes its requests in batches: an event a batch cannot hold (a
    duration that is not a number) is left out and said in the log, never the whole batch."""
    config = truth_config(arrivals.url, user_classes="tests.fixtures.locust_users:OwnEvents")
    began = time.time()
    with LoadProcess(config, log=tmp_path / "load.log") as load:
        load.start()
        time.sleep(2.0)
        load.stop()
    ended = time.time()
    records = load.snapshot()
    locust = [r for r in records if r.name == "GET /locust"]
    own = [r for r in records if r.name == "GRPC Own.Call"]
    assert len(locust) > 20
    assert len(own) >= len(locust) - config.users  # one a task; a stop may cut the last ones
    assert all(r.duration == 0.0125 and r.status == 0 and r.failed for r in own)
    assert all(began <= r.t <= ended for r in own)  # no start given: its end less its duration
    assert {r.name for r in records} == {"GET /locust", "GRPC Own.Call"}
    log = (tmp_path / "load.log").read_text()
    assert "request event(s) with no usable start, duration, name" in log


def test_the_bench_switches_the_load_processs_gc_in_one_run(
    arrivals: Arrivals, tmp_path: Path
) -> None:
    """bench/scaling.py's gc figure compares the tuned GC with Python's in windows of one run."""
    with LoadProcess(truth_config(arrivals.url), log=tmp_path / "load.log") as load:
        load.start()
        for tuned in (False, True, False):
            load.set_gc(tuned)
            before = len(load.snapshot())
            time.sleep(0.6)
            assert len(load.snapshot()) > before  # still recording, whatever its GC
        load.stop()
    assert "Traceback" not in (tmp_path / "load.log").read_text()

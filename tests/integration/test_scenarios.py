"""The scenario engine against the real local stack: measured numbers, the revert guarantee,
abort conditions, recovery after a SIGKILLed harness, and what the profiles change."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import requests

from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.platforms.local import LocalPlatform
from harness.record import io as record_io
from harness.record import model as rec
from harness.scenario.loader import load_file
from harness.scenario.runner import RunOptions, SilentUI, run
from tests.verdicts import assert_status, starved

from .conftest import ROOT, assert_payment_outage_hit_only_checkouts, shopchaos, wait_until

pytestmark = pytest.mark.integration
SCENARIOS = ROOT / "scenarios"


def run_file(stack: LocalPlatform, path: Path, tmp_path: Path, scale: float) -> rec.RunRecord:
    loaded = load_file(path, stack.spec)
    opts = RunOptions(reports_dir=tmp_path, seed=7, time_scale=scale, keep_stack=True)
    record, _ = run([loaded], stack, opts, SilentUI())
    return record


def assert_clean(stack: LocalPlatform) -> None:
    """No fault left behind: every proxy enabled, no toxic, every instance running and UP."""
    client = ToxiproxyClient(stack.endpoints().toxiproxy_url)
    for proxy in client.proxies().values():
        assert proxy.enabled, proxy.name
        assert proxy.toxics == (), proxy.toxics
    wait_until("the stack healthy", lambda: stack.status().healthy, timeout=20)


def test_kill_is_detected_and_hidden_by_the_recommended_profile(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    record = run_file(stack, SCENARIOS / "one-replica-killed.yaml", tmp_path, 0.6)
    trial = record.scenarios[0].trials[0]
    (fault,) = trial.faults
    assert fault.metrics.lb_down_after is not None
    assert fault.metrics.lb_down_after < 1.5  # fast checks: inter 500 ms, fall 2, fastinter 200
    assert fault.metrics.lb_up_after is not None
    assert fault.metrics.errors <= 2
    assert_status(trial, rec.Status.PASSED)
    assert (tmp_path / record.run_id / trial.timeline_csv).is_file()  # type: ignore[operator]
    assert_clean(stack)


def test_default_health_checks_show_the_errors_the_profile_hides(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    record = run_file(stack, SCENARIOS / "one-replica-killed-slow-checks.yaml", tmp_path, 0.8)
    trial = record.scenarios[0].trials[0]
    m = trial.faults[0].metrics
    assert trial.stack["lb_profile"] == "defaults"
    assert_status(trial, rec.Status.FAILED)  # and the harness says why:
    if not starved(trial):
        assert {c.name for c in trial.checks if c.verdict == "fail"} >= {"max_errors_per_fault"}
    assert m.errors >= 5
    # inter 2s, fall 3: marked down 4-8 s after the kill; recovery follows it
    assert m.lb_down_after is not None and 3.0 < m.lb_down_after < 9.0
    assert m.time_to_recover is not None and m.time_to_recover > 2.0
    assert m.time_to_detect is not None  # customers saw it (in-flight requests fail at once)


def test_payment_outage_errors_only_at_checkout_and_only_while_it_lasts(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    record = run_file(stack, SCENARIOS / "payment-outage.yaml", tmp_path, 0.5)
    trial = assert_payment_outage_hit_only_checkouts(record, tmp_path, max_recover=6.0)
    assert_status(trial, rec.Status.PASSED)


def test_without_the_breaker_the_same_outage_fails_its_promises(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    result = shopchaos(
        "run",
        str(SCENARIOS / "payment-outage-no-breaker.yaml"),
        "--time-scale",
        "0.5",
        "--seed",
        "3",
        "--keep-stack",
        state_dir=stack.state_dir.parent,
        reports=tmp_path,
    )
    record = record_io.read(next(tmp_path.glob("*/record.json")))
    trial = record.scenarios[0].trials[0]
    assert record.exit_code == result.returncode
    assert_status(trial, rec.Status.FAILED)
    if not starved(trial):
        assert result.returncode == 1, result.stdout + result.stderr
        failed = {(c.scope, c.name) for c in trial.checks if c.verdict == "fail"}
        assert ("request:POST /checkout", "max_p95_failed") in failed
    assert trial.stack["backend_env"] == {"SHOP_BREAKER": "<redacted>"}  # names only
    assert (next(tmp_path.glob("*/report.html"))).stat().st_size > 100_000


def _start_run(stack: LocalPlatform, scenario: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            str(scenario),
            "--state-dir",
            str(stack.state_dir.parent),
            "--entry-port",
            "0",
            "--toxiproxy-port",
            "0",
            "--reports",
            str(tmp_path),
            "--keep-stack",
            "--seed",
            "5",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        env={"COLUMNS": "200", **__import__("os").environ},
    )


def _wait_for_line(proc: subprocess.Popen[str], needle: str, timeout: float = 90) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if needle in line:
            return "".join(seen)
    proc.kill()
    raise AssertionError(f"never saw {needle!r}:\n{''.join(seen)[-3000:]}")


def _fault_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fault.yaml"
    path.write_text(
        "name: interrupt-me\nload: {users: 8, spawn_rate: 8}\n"
        "phases: {warmup: 1s, baseline: 2s, observe: 2s}\n" + body
    )
    return path


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_reverts_its_faults(
    stack: LocalPlatform, tmp_path: Path, sig: signal.Signals
) -> None:
    scenario = _fault_file(
        tmp_path,
        (
            "faults:\n"
            "  - {id: slow, type: latency, dependency: payment, latency: 300ms, duration: 60s}\n"
            "  - {id: down, type: down, dependency: shipping, duration: 60s}\n"
            "  - {id: frozen, type: pause, target: {instance: shop-1}, duration: 60s}\n"
        ),
    )
    proc = _start_run(stack, scenario, tmp_path)
    _wait_for_line(proc, "injected frozen")
    client = ToxiproxyClient(stack.endpoints().toxiproxy_url)
    assert any(p.toxics for p in client.proxies().values())
    assert stack.process_state("shop-1") == "paused"
    proc.send_signal(sig)
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise AssertionError(f"no exit 120 s after {sig.name}:\n{out[-4000:]}") from None
    assert proc.returncode == 130, out
    assert_clean(stack)
    record = json.loads(next(tmp_path.glob("*/record.json")).read_text())
    assert record["status"] == "interrupted"
    rollbacks = record["scenarios"][0]["trials"][0]["rollbacks"]
    assert sorted(r["fault"] for r in rollbacks) == ["down", "frozen", "slow"]
    assert all(r["ok"] for r in rollbacks)


def test_recover_repairs_what_a_sigkilled_harness_left(
    stack: LocalPlatform, tmp_path: Path
) -> None:
    scenario = _fault_file(
        tmp_path,
        (
            "faults:\n"
            "  - {id: slow, type: latency, dependency: payment, latency: 300ms, duration: 60s}\n"
            "  - {id: gone, type: kill, target: {instance: shop-2}, restart: false}\n"
        ),
    )
    proc = _start_run(stack, scenario, tmp_path)
    _wait_for_line(proc, "injected gone")
    load = _load_processes(proc.pid)
    assert len(load) == 1
    proc.kill()  # SIGKILL: no finally, no rollback
    proc.communicate(timeout=10)
    assert stack.process_state("shop-2") == "exited"
    result = shopchaos("recover", state_dir=stack.state_dir.parent)
    assert result.returncode == 0, result.stderr
    assert "removed toxic shopchaos-slow-downstream" in result.stdout
    assert "shop-2: started" in result.stdout
    assert_clean(stack)
    # the orphaned load process saw its stdin close and stopped by itself
    wait_until("the orphaned load process to stop", lambda: not load[0].is_running(), timeout=20)
    assert (
        shopchaos("recover", state_dir=stack.state_dir.parent)
        .stdout.strip()
        .endswith("nothing to fix")
    )


def _load_processes(parent: int) -> list[psutil.Process]:
    return [
        c
        for c in psutil.Process(parent).children()
        if "harness.load._locust_process" in c.cmdline()
    ]


def test_an_abort_condition_stops_the_run_and_reverts(stack: LocalPlatform, tmp_path: Path) -> None:
    scenario = _fault_file(
        tmp_path,
        (
            "faults:\n"
            "  - {id: db-gone, type: down, dependency: payment, duration: 30s}\n"
            "abort:\n"
            "  - {metric: error_rate, above: 0.02, for: 1s}\n"
        ),
    )
    started = time.monotonic()
    result = shopchaos(
        "run", str(scenario), "--keep-stack", state_dir=stack.state_dir.parent, reports=tmp_path
    )
    assert result.returncode == 3, result.stdout + result.stderr
    assert time.monotonic() - started < 25  # well before the 30 s outage would have ended
    record = json.loads(next(tmp_path.glob("*/record.json")).read_text())
    trial = record["scenarios"][0]["trials"][0]
    assert trial["status"] == "aborted"
    assert "error_rate above 2%" in trial["abort"]["reason"]
    assert_clean(stack)
    assert requests.get(stack.endpoints().entry_url + "/products", timeout=5).status_code == 200

"""Fixtures that start the real stack: HAProxy, Toxiproxy, uvicorn replicas (and PostgreSQL).

One stack per session (ports picked free, state in a temporary directory); tests that need
another profile get it from the runner, which restarts the stack. At the end: down, and a check
that no process of the stack is left.
"""

from __future__ import annotations

import csv
import gzip
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from harness.platforms.base import StackOptions
from harness.platforms.local import STATE_DIR_ENV, LocalPlatform
from harness.record import model as rec
from harness.stack.loader import load_stack

ROOT = Path(__file__).resolve().parents[2]


def leftovers(state_dir: Path) -> list[str]:
    found = []
    for p in psutil.process_iter():
        try:
            mine = p.environ().get(STATE_DIR_ENV) == str(state_dir.resolve())
            if mine and p.status() != psutil.STATUS_ZOMBIE:
                found.append(f"{p.pid} {p.name()}")
        except psutil.Error:
            continue
    return found


def make_platform(state_dir: Path, stack: Path | None = None) -> LocalPlatform:
    spec, path = load_stack(stack)
    return LocalPlatform(spec, state_dir, spec_path=path, entry_port=0, toxiproxy_port=0)


@pytest.fixture(scope="session")
def state_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="sc-it-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_platform(state_root: Path) -> Iterator[LocalPlatform]:
    platform = make_platform(state_root / "local-sample-shop")  # what --state-dir finds
    try:
        yield platform
    finally:
        platform.down()
        assert leftovers(platform.state_dir) == []


@pytest.fixture
def stack(shared_platform: LocalPlatform) -> LocalPlatform:
    """The shared local stack, up with the default options (sqlite, default profile).

    A test (or a scenario run) may have restarted it with another profile or taken it down:
    bring it back to the default.
    """
    wanted = StackOptions()
    current = shared_platform.options()
    if current is not None and current != wanted.resolve(shared_platform.spec).redacted():
        shared_platform.down()
    shared_platform.up(wanted)
    return shared_platform


def place_order(entry: str, key: str, *, timeout: float = 10) -> requests.Response:
    s = requests.Session()
    cart = s.post(f"{entry}/carts", timeout=timeout).json()["cart_id"]
    s.post(f"{entry}/carts/{cart}/items", json={"product_id": 1, "quantity": 1}, timeout=timeout)
    return s.post(
        f"{entry}/checkout",
        json={"cart_id": cart},
        headers={"Idempotency-Key": key},
        timeout=timeout,
    )


def wait_until(what: str, check, timeout: float = 15.0, interval: float = 0.05):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def shopchaos(
    *args: str, state_dir: Path, timeout: float = 300, reports: Path | None = None
) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "harness", *args, "--state-dir", str(state_dir)]
    if args and args[0] in ("run", "up"):
        argv += ["--entry-port", "0", "--toxiproxy-port", "0"]
    if reports is not None:
        argv += ["--reports", str(reports)]
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
        env={**os.environ, "COLUMNS": "200"},
    )


def assert_payment_outage_hit_only_checkouts(
    record: rec.RunRecord, reports: Path, *, max_recover: float
) -> rec.TrialRecord:
    """payment-outage on any platform: only POST /checkout failed, only from the fault on, and
    nothing once the breaker let payment back in (reset 5 s after it opened)."""
    trial = record.scenarios[0].trials[0]
    (fault,) = trial.faults
    assert fault.t_inject is not None and fault.t_revert is not None
    by_name = {s.name: s for s in trial.by_request}
    assert by_name["GET /products"].failures == 0
    assert by_name["POST /checkout"].failures > 0
    with gzip.open(reports / record.run_id / str(trial.timeline_csv), "rt") as fh:
        failed = [row for row in csv.DictReader(fh) if row["failed"] == "1"]
    assert {row["name"] for row in failed} == {"POST /checkout"}
    ends = [float(row["t"]) + float(row["duration_ms"]) / 1000 for row in failed]
    assert min(ends) >= fault.t_inject - 0.05
    assert max(ends) <= fault.t_revert + 6.0
    ttr = fault.metrics.time_to_recover
    assert ttr is not None and ttr <= max_recover
    return trial

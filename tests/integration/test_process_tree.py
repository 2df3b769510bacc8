"""Instance faults on a pre-fork server (gunicorn, 2 workers per replica) act on the whole tree.

Before: pause froze the master while its workers kept serving, a kill left orphaned workers
answering and holding the port, and the restart then failed or was answered by the orphans.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests

from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms._ports import is_free
from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform

from .conftest import leftovers, make_platform, wait_until

pytestmark = pytest.mark.integration
APP_DIR = Path(__file__).resolve().parent / "prefork"

STACK = """
name: prefork
services:
  web:
    replicas: 2
    health: {{http: {{path: /, host: {host}}}}}
    local:
      command: ["{{python}}", "-m", "gunicorn", "--workers", "2", "--bind", "{{host}}:{{port}}",
                "--chdir", "{app_dir}", "--graceful-timeout", "5", "app:app"]
      ready_timeout: 30
load_balancer: {{backend: web, profile: recommended}}
"""


@pytest.fixture(scope="module")
def prefork(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
    root = tmp_path_factory.mktemp("prefork")
    stack = root / "stack.yaml"
    stack.write_text(STACK.format(app_dir=APP_DIR, host="prefork.test"))
    platform = make_platform(root / "state", stack)
    platform.up(StackOptions())
    try:
        yield platform
    finally:
        platform.down()
        assert leftovers(platform.state_dir) == []


def gone(pids: set[int]) -> bool:
    return not any(psutil.pid_exists(p) and psutil.Process(p).status() != "zombie" for p in pids)


def tree_of(platform: LocalPlatform, name: str) -> list[psutil.Process]:
    """The instance's processes, once the master has forked both workers."""
    _, tree = platform._tree(name)
    return wait_until(f"{name}: a master and 2 workers", lambda: (m := tree.members())[2:] and m)


def lb_state(platform: LocalPlatform, server: str) -> str:
    e = platform.endpoints()
    states = {s.server: s.status for s in HAProxyRuntime(e.lb_runtime).servers(e.lb_backend)}
    return states.get(server, "?")


def answer(address: str, timeout: float = 1.0) -> str | None:
    try:
        return requests.get(f"http://{address}/", timeout=timeout).text
    except requests.RequestException:
        return None


def test_each_replica_is_a_master_and_two_workers(prefork: LocalPlatform) -> None:
    members = tree_of(prefork, "web-1")
    assert len(members) == 3, members  # master + 2 workers
    address = prefork.endpoints().instance("web-1").address
    pids = {p.pid for p in members}
    worker, master = (int(x) for x in (answer(address) or "0 0").split())
    assert worker in pids and master == members[0].pid and worker != master


def test_pause_freezes_every_worker_and_the_lb_takes_it_out(prefork: LocalPlatform) -> None:
    address = prefork.endpoints().instance("web-2").address
    prefork.pause("web-2")
    try:
        members = tree_of(prefork, "web-2")
        assert len(members) == 3
        assert all(p.status() == psutil.STATUS_STOPPED for p in members)
        assert prefork.process_state("web-2") == "paused"
        assert answer(address, timeout=0.5) is None  # no worker answers
        wait_until("the LB to take web-2 out", lambda: lb_state(prefork, "web-2") == "DOWN")
        entry = prefork.endpoints().entry_url
        assert all(requests.get(entry, timeout=5).status_code == 200 for _ in range(6))
    finally:
        prefork.resume("web-2")
    assert prefork.process_state("web-2") == "running"
    assert answer(address) is not None
    wait_until("web-2 back UP", lambda: lb_state(prefork, "web-2") == "UP")


def test_kill_leaves_no_orphan_and_the_restart_reuses_the_port(prefork: LocalPlatform) -> None:
    ref = prefork.endpoints().instance("web-1")
    port = int(ref.address.rsplit(":", 1)[1])
    old = {p.pid for p in tree_of(prefork, "web-1")}
    started = time.monotonic()
    prefork.kill("web-1")
    assert time.monotonic() - started < 5
    assert gone(old)
    assert is_free(port)
    assert answer(ref.address, timeout=0.5) is None  # no orphaned worker answers
    assert prefork.process_state("web-1") == "exited"
    wait_until("the LB to mark web-1 down", lambda: lb_state(prefork, "web-1") == "DOWN")
    prefork.start("web-1")
    new = tree_of(prefork, "web-1")
    assert len(new) == 3 and not old & {p.pid for p in new}
    worker, master = (int(x) for x in (answer(ref.address) or "0 0").split())
    assert master == new[0].pid and worker in {p.pid for p in new}  # the new tree answers
    wait_until("web-1 back UP", lambda: lb_state(prefork, "web-1") == "UP")


def test_orphaned_workers_are_cleared_before_a_start(prefork: LocalPlatform) -> None:
    """A master that died on its own (not through the harness) leaves its workers serving:
    start() kills them and waits for the port before starting a new tree."""
    ref = prefork.endpoints().instance("web-2")
    members = tree_of(prefork, "web-2")
    master, workers = members[0], members[1:]
    master.kill()
    wait_until("the master gone", lambda: prefork.process_state("web-2") == "exited")
    assert any(w.is_running() for w in workers)  # the orphans are still there
    prefork.start("web-2")
    assert not any(w.is_running() and w.status() != "zombie" for w in workers)
    _, parent = (int(x) for x in (answer(ref.address) or "0 0").split())
    assert parent == tree_of(prefork, "web-2")[0].pid
    wait_until("web-2 back UP", lambda: lb_state(prefork, "web-2") == "UP")


def test_terminate_stops_the_whole_tree_and_restart_brings_it_back(prefork: LocalPlatform) -> None:
    old = {p.pid for p in tree_of(prefork, "web-1")}
    prefork.restart("web-1")
    new = {p.pid for p in tree_of(prefork, "web-1")}
    assert len(new) == 3 and not old & new
    assert gone(old)
    wait_until("web-1 back UP", lambda: lb_state(prefork, "web-1") == "UP")


def test_a_health_check_haproxy_fails_is_named_with_haproxys_reason(tmp_path: Path) -> None:
    """The app answers 400 to a request without a Host header: with no `host` in the stack
    file, HAProxy's check gets 400 while the harness's own probe (requests sends one) gets
    200. The error quotes HAProxy's reason and says what to set."""
    stack = tmp_path / "stack.yaml"
    stack.write_text(
        STACK.format(app_dir=APP_DIR, host="null").replace("replicas: 2", "replicas: 1")
    )
    platform = make_platform(tmp_path / "state", stack)
    with pytest.raises(StackError) as exc:
        platform.up(StackOptions())
    text = exc.value.message
    assert "waiting for HAProxy to mark every backend server UP" in text
    assert "L7STS 400" in text and "Layer7 wrong status" in text, text
    assert "health.http.host" in (exc.value.hint or "")
    assert leftovers(platform.state_dir) == []

"""RuntimeSession (the LB probe's kept connection) against a real HAProxy: bench/target.py's,
which answers by itself and has one server to poll, on its unix and its tcp stats socket."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bench.target import Target, haproxy_ok
from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime, RuntimeSession, ServerState
from harness.platforms._ports import free_port
from harness.probes import LbProbe

pytestmark = pytest.mark.integration

KINDS = ["unix", "tcp"]


def address(target: Target, kind: str) -> str:
    return target.runtime if kind == "unix" else str(target.runtime_tcp)


def rows(servers: list[ServerState]) -> list[ServerState]:
    """Without the seconds since the last change, which may tick between two calls."""
    return [dataclasses.replace(s, last_change_s=None) for s in servers]


def conns(target: Target) -> int:
    """Connections HAProxy accepted so far (this one included), CLI ones too."""
    info = HAProxyRuntime(target.runtime).command("show info")
    return int(next(x for x in info.splitlines() if x.startswith("CumConns:")).split()[1])


@pytest.mark.parametrize("kind", KINDS)
def test_the_session_reads_what_a_connection_of_its_own_reads(tmp_path: Path, kind: str) -> None:
    with haproxy_ok(tmp_path, runtime_port=free_port()) as target:
        one_shot = HAProxyRuntime(address(target, kind))
        with RuntimeSession(address(target, kind)) as session:
            for _ in range(3):
                got = session.servers(target.backend)
                assert got and rows(got) == rows(one_shot.servers(target.backend))
            assert rows(session.servers()) == rows(one_shot.servers())  # the whole table
            assert session.command("show stat nosuch 4 -1") == "No such proxy.\n\n"


@pytest.mark.parametrize("kind", KINDS)
def test_a_server_set_to_maint_shows_on_the_next_poll(tmp_path: Path, kind: str) -> None:
    with haproxy_ok(tmp_path, runtime_port=free_port()) as target:
        one_shot = HAProxyRuntime(address(target, kind))
        with RuntimeSession(address(target, kind)) as session:

            def state() -> str:
                return session.servers(target.backend)[0].status

            one_shot.set_state(target.backend, "s1", "ready")  # `disabled` in the config
            assert state() != "MAINT"
            one_shot.set_state(target.backend, "s1", "maint")
            assert state() == "MAINT"
            session.set_state(target.backend, "s1", "ready")  # set on the session as well
            assert state() != "MAINT"
            assert one_shot.servers(target.backend)[0].status != "MAINT"


@pytest.mark.parametrize("kind", KINDS)
def test_the_next_poll_after_a_restart_reconnects(tmp_path: Path, kind: str) -> None:
    """HAProxy killed and started again on the same sockets between two polls: the kept
    connection is dead, and the next poll opens another without an error."""
    port = free_port()
    with haproxy_ok(tmp_path, runtime_port=port) as target:
        session = RuntimeSession(address(target, kind), timeout=0.5, max_age=60)  # kept
        before = rows(session.servers(target.backend))
        pid = _pid(session)
    with haproxy_ok(tmp_path, runtime_port=port) as again:
        assert address(again, kind) == session.address
        assert rows(session.servers(again.backend)) == before
        assert _pid(session) != pid
        session.close()


@pytest.mark.parametrize("kind", KINDS)
def test_while_haproxy_is_down_a_stack_error_then_a_poll_again(tmp_path: Path, kind: str) -> None:
    port = free_port()
    with haproxy_ok(tmp_path, runtime_port=port) as target:
        session = RuntimeSession(address(target, kind), timeout=0.5, max_age=60)
        assert len(session.servers(target.backend)) == 1
    with pytest.raises(StackError, match="did not answer") as down:
        session.servers(target.backend)
    assert down.value.hint == "is the stack up? `shopchaos status`"
    with haproxy_ok(tmp_path, runtime_port=port) as again:
        assert len(session.servers(again.backend)) == 1
        session.close()


def test_the_lb_probe_keeps_one_connection(tmp_path: Path) -> None:
    """20 polls, one connection (a connection each before); closed in stop()."""
    with haproxy_ok(tmp_path) as target:
        probe = LbProbe(target.runtime, target.backend)
        first = conns(target)
        t = time.monotonic()
        with probe:
            time.sleep(0.5)  # 20 polls
        took = time.monotonic() - t
        assert probe.errors == 0
        assert [(e.server, e.state) for e in probe.events] == [("s1", "MAINT")]
        # the probe's (another each max_age seconds), and this `show info`'s
        assert conns(target) - first <= 2 + int(took / probe.runtime.max_age)

        def cli_sessions() -> int:  # the one asking included
            return HAProxyRuntime(target.runtime).command("show sess").count("fe=GLOBAL")

        _wait(lambda: cli_sessions() == 1)  # the probe's is closed


def _pid(session: RuntimeSession) -> int:
    info = session.command("show info")
    return int(next(x for x in info.splitlines() if x.startswith("Pid:")).split()[1])


def _wait(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)

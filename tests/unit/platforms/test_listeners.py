"""Nothing the stack starts may listen beyond loopback: real listeners, checked by psutil."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psutil
import pytest

from harness.errors import StackError
from harness.platforms import _listeners
from harness.platforms._listeners import Owned

# Listens (never accepts) on the address given; with "child", in a child process of its own.
LISTENER = textwrap.dedent(
    """
    import socket, subprocess, sys, time
    host, where = sys.argv[1], sys.argv[2]
    if where == "child":
        child = subprocess.Popen([sys.executable, "-c", sys.argv[3], host, "self", sys.argv[3]])
        print(child.pid, flush=True)
        child.wait()
        sys.exit()
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.bind((host, 0))
    s.listen()
    print(s.getsockname()[1], flush=True)
    time.sleep(30)
    """
)


@contextmanager
def listening(host: str, where: str = "self") -> Iterator[tuple[Owned, int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", LISTENER, host, where, LISTENER], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        first = int(proc.stdout.readline())
        if where == "child":  # wait for the child's socket
            child = psutil.Process(first)
            for _ in range(200):
                if child.net_connections(kind="tcp"):
                    break
                time.sleep(0.05)
        proc.stdout.close()
        yield Owned("svc", proc.pid, psutil.Process(proc.pid).create_time()), first
    finally:
        for p in psutil.Process(proc.pid).children(recursive=True):
            p.kill()
        proc.kill()
        proc.wait(10)


@pytest.mark.parametrize(
    ("ip", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.2.1", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("fe80::1%eth0", False),
        ("", False),
    ],
)
def test_what_counts_as_loopback(ip: str, loopback: bool) -> None:
    assert _listeners.is_loopback(ip) is loopback


def test_a_loopback_listener_passes() -> None:
    with listening("127.0.0.1") as (owned, port):
        found = _listeners.listeners(owned)
        assert [(lst.ip, lst.port) for lst in found] == [("127.0.0.1", port)]
        _listeners.require_loopback([owned])


def test_a_wildcard_listener_is_refused_with_who_and_where() -> None:
    with listening("0.0.0.0") as (owned, port), pytest.raises(StackError) as exc:
        _listeners.require_loopback([owned])
    assert f"svc (pid {owned.pid}) listens on 0.0.0.0:{port}" in exc.value.message
    assert "{host}" in (exc.value.hint or "")


def test_a_child_process_listening_beyond_loopback_is_found() -> None:
    with listening("0.0.0.0", "child") as (owned, child):
        bad = _listeners.exposed([owned])
    assert [lst.pid for lst in bad] == [child]
    assert bad[0].owner == "svc"


def test_a_process_that_is_gone_or_not_ours_has_no_listeners() -> None:
    with listening("127.0.0.1") as (owned, _):
        stale = Owned("svc", owned.pid, owned.create_time - 100)  # the pid, reused
        assert _listeners.listeners(stale) == []
    assert _listeners.listeners(owned) == []

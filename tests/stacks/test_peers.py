"""Replicas notice a crashed peer by refused connects, and ignore a peer that stopped
gracefully (its file is gone)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.stacks._peers import Peers


def _listener() -> socket.socket:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    return s


def _watching(tmp_path: Path, me: socket.socket, deaths: list[str]) -> Peers:
    peers = Peers(tmp_path, "api-1", me.getsockname()[1], lambda p, t: deaths.append(p), poll=0.01)
    peers.register()
    threading.Thread(target=peers.watch, daemon=True).start()
    return peers


def _wait(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def test_a_crashed_peer_is_noticed_once(tmp_path: Path) -> None:
    deaths: list[str] = []
    me, other = _listener(), _listener()
    watcher = _watching(tmp_path, me, deaths)
    peer = Peers(tmp_path, "api-2", other.getsockname()[1], lambda p, t: None)
    peer.register()
    try:
        time.sleep(0.1)  # seen accepting
        other.close()  # a crash: the port refuses, the file stays
        assert _wait(lambda: deaths == ["api-2"])
        time.sleep(0.1)
        assert deaths == ["api-2"]
    finally:
        watcher.unregister()
        me.close()
        other.close()


def test_a_graceful_stop_is_not_a_death(tmp_path: Path) -> None:
    deaths: list[str] = []
    me, other = _listener(), _listener()
    watcher = _watching(tmp_path, me, deaths)
    peer = Peers(tmp_path, "api-2", other.getsockname()[1], lambda p, t: None)
    peer.register()
    try:
        time.sleep(0.1)
        peer.unregister()  # what a replica does on SIGTERM before it closes its socket
        other.close()
        time.sleep(0.2)
        assert deaths == []
    finally:
        watcher.unregister()
        me.close()
        other.close()

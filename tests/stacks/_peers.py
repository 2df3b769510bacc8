"""Replicas find each other through files in {state_dir}/peers and notice a dead peer by
failed connects, polled every `poll` seconds.

A peer counts as dead when it was seen accepting connections, now refuses them (a refused connect,
not a slow one), and its file is
still there: a replica stopped gracefully (SIGTERM, `shopchaos down`) removes its file first, so
only a crash (a SIGKILL) looks like a death.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

PEER_DIR = "peers"


class Peers:
    def __init__(
        self,
        state_dir: Path,
        instance: str,
        port: int,
        on_death: Callable[[str, float], None],
        *,
        poll: float = 0.05,
    ) -> None:
        self.dir = state_dir / PEER_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.instance = instance
        self.port = port
        self.on_death = on_death
        self.poll = poll
        self._alive: set[tuple[str, int]] = set()  # (instance, pid) seen accepting connections
        self._stop = threading.Event()

    def register(self) -> None:
        tmp = self.dir / f".{self.instance}.tmp"
        tmp.write_text(json.dumps({"port": self.port, "pid": os.getpid()}))
        os.replace(tmp, self.dir / f"{self.instance}.json")

    def unregister(self) -> None:
        self._stop.set()
        with contextlib.suppress(FileNotFoundError):
            (self.dir / f"{self.instance}.json").unlink()

    def watch(self) -> None:
        """The polling loop (run it in a thread); returns after unregister()."""
        while not self._stop.is_set():
            began = time.time()
            for name, port, pid in self._others():
                key = (name, pid)
                state = _connect(port)
                if state == "accepts":
                    self._alive.add(key)
                elif state == "refused" and key in self._alive:
                    self._alive.discard(key)
                    if self._registered(name, pid):  # not a graceful stop
                        self.on_death(name, time.time())
            self._stop.wait(max(0.0, self.poll - (time.time() - began)))

    def _others(self) -> list[tuple[str, int, int]]:
        found = []
        for path in self.dir.glob("*.json"):
            if path.stem == self.instance:
                continue
            try:
                d = json.loads(path.read_text())
                found.append((path.stem, int(d["port"]), int(d["pid"])))
            except (OSError, ValueError, KeyError):
                continue
        return found

    def _registered(self, name: str, pid: int) -> bool:
        try:
            return int(json.loads((self.dir / f"{name}.json").read_text())["pid"]) == pid
        except (OSError, ValueError, KeyError):
            return False


def _connect(port: int) -> str:
    """accepts, refused (nothing listens: the process is gone) or busy (a slow or full accept
    queue on a loaded machine: not a death)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except ConnectionRefusedError:
        return "refused"
    except OSError:
        return "busy"
    return "accepts"

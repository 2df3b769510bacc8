"""One load process seen from the harness: started in its own session with a config line on
stdin, its stdout read line by line by a thread that hands every decoded message to a sink.

Closing its stdin stops it (every load process treats end of stdin as "stop"), so none outlives
the harness; `kill` is the last resort of `stop`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Protocol

from harness.errors import LoadError
from harness.httpcall.network import without_proxies
from harness.load import wire

LOAD_OF_ENV = "SHOPCHAOS_LOAD_OF"  # the harness pid a load process belongs to (leftovers)


class Sink(Protocol):
    def receive_many(self, messages: list[wire.Message]) -> None: ...

    def ended(self) -> None: ...


class Stream:
    def __init__(self, module: str, *, name: str, log: Path, sink: Sink) -> None:
        self.module = module
        self.name = name
        self.log = log
        self.sink = sink
        self._proc: subprocess.Popen[bytes] | None = None
        self._reader: threading.Thread | None = None

    def start(self, first_line: str) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as err:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", self.module],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                start_new_session=True,
                env={
                    **without_proxies(os.environ),
                    "PYTHONUNBUFFERED": "1",
                    LOAD_OF_ENV: str(os.getpid()),
                },
            )
        self.send(first_line)
        self._reader = threading.Thread(target=self._read, name=f"{self.name} reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def send(self, line: str) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None or proc.stdin.closed:
            return
        try:
            proc.stdin.write(line.encode() + b"\n")
            proc.stdin.flush()
        except (BrokenPipeError, ValueError) as e:
            raise LoadError(f"the {self.name} is gone", hint=self.tail()) from e

    def close_input(self) -> None:
        proc = self._proc
        if proc is not None and proc.stdin is not None and not proc.stdin.closed:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    def wait(self, timeout: float) -> bool:
        """True when the process has exited within `timeout`."""
        if self._proc is None:
            return True
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(5)

    def join(self, timeout: float = 5.0) -> None:
        if self._reader is not None:
            self._reader.join(timeout)
        if self._proc is not None and self._proc.stdout is not None:
            self._proc.stdout.close()

    def tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def _read(self) -> None:
        """Whatever the pipe holds, a batch of whole lines at a time (one JSON parse each)."""
        proc = self._proc
        if proc is None or proc.stdout is None:
            return
        receive, fd = self.sink.receive_many, proc.stdout.fileno()
        rest = b""
        try:
            while chunk := os.read(fd, 1 << 16):
                lines = (rest + chunk).split(b"\n")
                rest = lines.pop()
                receive(wire.decode_lines([line for line in lines if line]))
            if rest:
                receive(wire.decode_lines([rest]))
        finally:
            self.sink.ended()

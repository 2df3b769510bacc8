"""The local stack's state on disk, so a later `status`, `down` or `recover` finds it.

<state_dir>/stack.json, written atomically (temp file + rename) after every change, under an
exclusive lock (<state_dir>/.lock) so two harness processes never start half-stacks side by side.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import StackError
from harness.platforms.base import ResolvedOptions

STATE_VERSION = 1

Role = Literal["instance", "toxiproxy", "haproxy", "postgres"]


class ProcEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    role: Role
    service: str | None = None
    pid: int
    create_time: float
    argv: list[str]
    env: dict[str, str] = Field(default_factory=dict)
    log: str
    port: int | None = None
    user: str | None = None
    stop_signal: Literal["SIGTERM", "SIGINT"] = "SIGTERM"
    ready_path: str | None = None
    ready_timeout: float = 30.0


class LocalState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    stack_id: str
    stack: str
    spec_path: str | None
    options: ResolvedOptions
    created_at: float = Field(default_factory=time.time)
    complete: bool = False
    host: str
    entry_port: int
    toxiproxy_port: int
    runtime_socket: str
    proxy_ports: dict[str, int]
    db_url: str  # as the services see it (through Toxiproxy with PostgreSQL)
    db_direct_url: str  # as the harness reaches it (bypasses Toxiproxy)
    pg_dir: str | None = None
    procs: dict[str, ProcEntry] = Field(default_factory=dict)


class StateStore:
    def __init__(self, state_dir: Path) -> None:
        self.dir = state_dir
        self.path = state_dir / "stack.json"
        self._held = threading.RLock()
        self._depth = 0

    def load(self) -> LocalState | None:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return LocalState.model_validate(json.loads(raw))
        except (ValueError, ValidationError) as e:
            raise StackError(
                f"the stack state file {self.path} is unreadable: {e}",
                hint="`shopchaos down` stops every process it started anyway (it finds them by "
                "their SHOPCHAOS_STATE_DIR variable) and then removes the file",
            ) from e

    def load_lenient(self) -> LocalState | None:
        try:
            return self.load()
        except StackError:
            return None

    def save(self, state: LocalState) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".json.tmp")
        tmp.write_text(state.model_dump_json(indent=2), encoding="utf-8")
        os.replace(tmp, self.path)

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    @contextlib.contextmanager
    def locked(self, timeout: float = 120.0) -> Iterator[None]:
        """Hold the stack's lock; wait (bounded) while another harness holds it. Re-entrant."""
        with self._held:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            self._depth = 1
            try:
                with self._file_lock(timeout):
                    yield
            finally:
                self._depth = 0

    @contextlib.contextmanager
    def _file_lock(self, timeout: float) -> Iterator[None]:
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / ".lock").open("w") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError as e:
                    if time.monotonic() > deadline:
                        raise StackError(
                            f"another shopchaos process holds {self.dir}/.lock",
                            hint="wait for it to finish, or stop it",
                        ) from e
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

"""A stack's state file: <state_dir>/stack.json, one pydantic model per platform.

Every platform's model extends StackState: the fields the shared lifecycle (_lifecycle.py) reads
(what the stack was started from, with which options, and whether its start finished).

Written atomically (temp file + rename, mode 0600 in a 0700 directory) after every change, under
an exclusive lock (<state_dir>/.lock) held for each change. (`_lock.py` keeps a whole command to
one harness per stack; this lock only keeps the file consistent.)
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
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import StackError
from harness.platforms._private_files import PRIVATE_FILE, private_dir, write_private
from harness.platforms.base import ResolvedOptions

STATE_VERSION = 1


class StackState(BaseModel):
    """What every platform keeps about its stack; each platform adds its own fields."""

    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    stack: str
    spec_path: str | None
    files: dict[str, str] = Field(default_factory=dict)  # sha256 of each file it started from
    options: ResolvedOptions  # env values REDACTED
    created_at: float = Field(default_factory=time.time)
    complete: bool = False  # False: its start did not finish (yet)


S = TypeVar("S", bound=BaseModel)


class StateStore(Generic[S]):
    def __init__(self, state_dir: Path, model: type[S]) -> None:
        self.dir = state_dir
        self.model = model
        self.path = state_dir / "stack.json"
        self._held = threading.RLock()
        self._depth = 0

    def load(self) -> S | None:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            return self.model.model_validate(json.loads(raw))
        except (ValueError, ValidationError) as e:
            raise StackError(
                f"the stack state file {self.path} is unreadable: {e}",
                hint="`shopchaos down` stops everything the stack started anyway (the local "
                "platform finds its processes by their SHOPCHAOS_STATE_DIR variable, Compose "
                "its containers by project name) and then removes the file",
            ) from e

    def load_lenient(self) -> S | None:
        try:
            return self.load()
        except StackError:
            return None

    def save(self, state: S) -> None:
        write_private(self.path, state.model_dump_json(indent=2))

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
        private_dir(self.dir)
        fd = os.open(self.dir / ".lock", os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, PRIVATE_FILE)
        with os.fdopen(fd, "w") as fh:
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

"""Files only the harness's user may read: state directories 0700, state, data and log files 0600.

The stack's state directory holds what a local user should not read or change: the state file,
the database password, the SQLite databases and the services' logs. Directories are made 0700
and files 0600 here; processes the local platform starts run under `private_umask()`, so the
files they create (SQLite databases, their journals, logs) are 0600 too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
PRIVATE_UMASK = 0o077


def private_dir(path: Path) -> Path:
    """Create `path` (and any missing parent) as 0700; make `path` itself 0700 if it exists.

    Parents that already exist are left alone: they may be the user's (e.g. --state-dir /tmp/x).
    """
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            d.mkdir(mode=PRIVATE_DIR)
        d.chmod(PRIVATE_DIR)
    path.chmod(PRIVATE_DIR)
    return path


def write_private(path: Path, text: str) -> None:
    """Write `text` atomically (temp file + rename) as a 0600 file, its directory 0700."""
    private_dir(path.parent)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)  # an older temp file may have had another mode
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fd = -1  # the file object owns it now
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if fd != -1:
            os.close(fd)
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Files created meanwhile (by this process and by the processes it starts) are 0600.

    The umask is per process: keep the block short (spawning a process), not a whole command.
    """
    old = os.umask(PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    """The permission bits of `path` (0o600 …), for checks and tests."""
    return path.stat().st_mode & 0o777

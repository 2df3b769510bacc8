"""A real process holding a stack's lock, for tests of what a second harness sees."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from harness.platforms import _lock
    with _lock.hold(Path(sys.argv[1]), "run"):
        print("held", flush=True)
        time.sleep(60)
    """
)


def start_holder(state_dir: Path, script: str = HOLDER) -> tuple[subprocess.Popen[str], str]:
    """A process running `script`, and the first line it printed (once it holds the lock)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    proc.stdout.close()
    return proc, line


def stop(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    proc.wait(10)

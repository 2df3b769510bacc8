"""A starved machine on purpose: busy loops that end by themselves at a hard deadline and are
killed on the way out whatever happens (the evidence stack's `starved` scenario)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

BURN = "import sys, time\nend = float(sys.argv[1])\nwhile time.time() < end:\n    pass\n"


@contextmanager
def cpu_burners(count: int, seconds: float) -> Iterator[None]:
    """`count` busy loops for at most `seconds`."""
    deadline = time.time() + seconds
    procs = [subprocess.Popen([sys.executable, "-c", BURN, repr(deadline)]) for _ in range(count)]
    try:
        yield
    finally:
        for p in procs:
            p.kill()
        for p in procs:
            p.wait(timeout=10)

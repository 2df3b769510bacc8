"""The cyclic GC of a load process (single or worker), set once it is set up.

No Locust import here: unit-tested in the harness's own process.
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (10_000, 10, 10)  # tuned: a young collection after 10,000 objects, not 700
PYTHON_GC_THRESHOLDS = gc.get_threshold()


def tune_gc(tuned: bool = True) -> None:
    """The cyclic GC of a load process, once it is set up. At full speed with Python's default
    (700) it ran ~320 young and ~2 full collections a second: ~4 % of the load process's time,
    the full ones walking every object Locust and its imports made. Tuned, what exists now is
    frozen out of every collection (gc.freeze) and a young collection waits for 10,000 new
    objects, which the bench's load at its ceiling never reached in 14 s (the objects a request
    made died with it). A user class whose requests leave reference cycles still has them
    collected, every 10,000 objects. Measured on the bench's target (FastHttpUser, a 2-byte
    answer): bench/scaling.py's `gc` step, side by side; untuned is the bench's switch."""
    if tuned:
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)
    else:
        gc.unfreeze()
        gc.set_threshold(*PYTHON_GC_THRESHOLDS)

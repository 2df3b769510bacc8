"""The shop's background worker: one thread per replica running its jobs every interval.

Jobs here are the outbox (labels) and the resolver (stale pending orders). A failing pass is
logged and the next one runs as usual; `stop()` ends the loop (the running pass checks the
stop flag between orders) and waits for the thread a bounded time.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable

from sample_shop.common.jsonlog import JsonLog

Job = Callable[[Callable[[], bool]], int]  # job(stop) -> how many things it did


class BackgroundWorker:
    def __init__(self, log: JsonLog, *, interval: float, jobs: dict[str, Job]) -> None:
        self.log = log
        self.interval = interval
        self.jobs = dict(jobs)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if not self.jobs or self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="shop-background", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> bool:
        """Ask the thread to stop and wait up to `timeout`; True if it has stopped."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        return not self.running

    def run_once(self) -> dict[str, int]:
        done: dict[str, int] = {}
        for name, job in self.jobs.items():
            if self._stop.is_set():
                break
            try:
                done[name] = job(self._stop.is_set)
            except Exception as e:  # keep the worker alive; the next pass tries again
                self.log.warning(f"{name} pass failed", error=f"{type(e).__name__}: {e}"[:300])
                done[name] = 0
        return done

    def _loop(self) -> None:
        # a little jitter so the replicas' passes do not all line up
        while not self._stop.wait(self.interval * random.uniform(0.9, 1.1)):
            self.run_once()

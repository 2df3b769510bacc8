"""Event-loop lag of a load process: how late a 0.1 s tick wakes, summarised once a second.

A gevent process whose loop is busy (users starved of CPU) wakes its greenlets late, and every
request it times is late by as much: this is the evidence that the load generator, not the
shop, shaped a figure (docs/metrics.md, "starved machine"). The greenlet that ticks lives in the
load process (harness/load/_locust_common.py); the arithmetic is here, pure. No Locust import.
"""

from __future__ import annotations

from harness.measure.stats import percentile

TICK = 0.1  # seconds between ticks
PERIOD = 1.0  # one summary per this many seconds


class LagMeter:
    """Collects each tick's lateness; closes a period with the p99 of its samples."""

    def __init__(self, start: float, period: float = PERIOD) -> None:
        if period <= 0:
            raise ValueError("period must be > 0")
        self.period = period
        self._ends = start + period
        self._late: list[float] = []

    def add(self, t: float, lateness: float) -> tuple[float, float] | None:
        """One tick at `t`, `lateness` seconds after it was due. When that tick closes a period:
        (t, p99 lateness of the period's ticks), else None."""
        self._late.append(max(0.0, lateness))
        if t < self._ends:
            return None
        p99 = percentile(self._late, 99) or 0.0
        self._late = []
        while self._ends <= t:
            self._ends += self.period
        return t, p99

"""Figures over the last few seconds, updated as requests arrive: live progress and abort
conditions. Requests count at the moment their answer arrived (their end time)."""

from __future__ import annotations

from collections import deque

from harness.measure.stats import percentile
from harness.measure.timeline import RequestRecord


class RollingWindow:
    def __init__(self, width: float) -> None:
        if width <= 0:
            raise ValueError("window width must be > 0")
        self.width = width
        self._items: deque[tuple[float, float, bool]] = deque()  # (end, duration, failed)

    def add(self, record: RequestRecord) -> None:
        self._items.append((record.end, record.duration, record.failed))

    def _trim(self, now: float) -> None:
        # answers arrive in about end-time order; a late straggler is dropped when it ages out
        items = self._items
        while items and items[0][0] < now - self.width:
            items.popleft()

    def _current(self, now: float) -> list[tuple[float, float, bool]]:
        self._trim(now)
        # an answer that arrived out of order may sit behind newer ones: filter, not just trim
        return [i for i in self._items if now - self.width <= i[0] <= now]

    def count(self, now: float) -> int:
        return len(self._current(now))

    def rps(self, now: float) -> float:
        return self.count(now) / self.width

    def error_rate(self, now: float) -> float | None:
        items = self._current(now)
        return sum(i[2] for i in items) / len(items) if items else None

    def p95(self, now: float) -> float | None:
        return percentile([i[1] for i in self._current(now)], 95)


class BreachTracker:
    """Says when a condition has held continuously for `for_seconds`."""

    def __init__(self, for_seconds: float) -> None:
        self.for_seconds = for_seconds
        self.since: float | None = None

    def update(self, now: float, breached: bool) -> bool:
        if not breached:
            self.since = None
            return False
        if self.since is None:
            self.since = now
        return now - self.since >= self.for_seconds

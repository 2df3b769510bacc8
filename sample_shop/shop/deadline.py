"""A point in time a piece of work must be done by (the checkout's overall budget)."""

from __future__ import annotations

import time


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expired(self) -> bool:
        return time.monotonic() >= self.end

    def within(self, seconds: float) -> Deadline:
        """A shorter budget inside this one: at most `seconds`, never past this deadline."""
        return Deadline(min(seconds, self.remaining()))

"""A remote load worker's clock against the harness's: NTP-style round trips (pure functions).

The master (on the harness's machine, so on the harness's clock) sends a ping at t1; the worker
stamps it on its own clock when it arrives (t2) and when it answers (t3); the answer arrives at
t4. Then, whatever the network does (docs/scaling.md):

    offset  θ = ((t2 - t1) + (t3 - t4)) / 2      (worker clock - harness clock)
    delay   δ = (t4 - t1) - (t3 - t2)
    the true offset lies in [θ - δ/2, θ + δ/2]

An asymmetric path moves θ inside that interval but never out of it, so δ/2 bounds the error of
one sample. Each sample's interval widens with its age by the most two clocks may drift apart
(`DRIFT`); the estimate is the intersection of the newest samples' intervals, which is never
wider than the best one. A sample that no longer overlaps the newer ones (the worker's clock was
stepped, or drifts faster than assumed) ends the intersection there: older ones are ignored.
No Locust import: the master process and the harness both use this module.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

DRIFT = 100e-6  # the most two machines' clocks are assumed to drift apart, seconds per second


@dataclass(frozen=True, slots=True)
class ClockSample:
    t: float  # harness time the answer arrived (t4)
    offset: float  # θ: worker clock minus harness clock
    delay: float  # δ: the round trip, less the time the worker held the ping


def sample(t1: float, t2: float, t3: float, t4: float) -> ClockSample:
    """One round trip: t1, t4 on the harness's clock; t2, t3 on the worker's."""
    offset = ((t2 - t1) + (t3 - t4)) / 2
    delay = (t4 - t1) - (t3 - t2)
    return ClockSample(t=t4, offset=offset, delay=max(delay, 0.0))


@dataclass(frozen=True, slots=True)
class ClockEstimate:
    """The worker's clock is `offset` seconds ahead of the harness's, give or take
    `uncertainty` (a bound, not a standard deviation), from `samples` round trips."""

    offset: float
    uncertainty: float
    samples: int

    def to_harness(self, t: float) -> float:
        """A time the worker stamped, on the harness's clock."""
        return t - self.offset


class ClockTracker:
    """The newest `history` round trips with one worker, and what they say about its clock."""

    def __init__(self, history: int = 64, drift: float = DRIFT) -> None:
        if history < 1 or drift < 0:
            raise ValueError("history must be >= 1 and drift >= 0")
        self.drift = drift
        self._samples: deque[ClockSample] = deque(maxlen=history)

    def add(self, s: ClockSample) -> None:
        self._samples.append(s)

    def __len__(self) -> int:
        return len(self._samples)

    def estimate(self, now: float) -> ClockEstimate | None:
        """The offset at harness time `now`; None before the first round trip."""
        lo, hi, used = float("-inf"), float("inf"), 0
        for s in reversed(self._samples):  # newest first
            slack = s.delay / 2 + self.drift * max(0.0, now - s.t)
            new_lo, new_hi = max(lo, s.offset - slack), min(hi, s.offset + slack)
            if new_lo > new_hi:
                break  # inconsistent with the newer samples: this one and older are stale
            lo, hi, used = new_lo, new_hi, used + 1
        if used == 0:
            return None
        return ClockEstimate(offset=(lo + hi) / 2, uncertainty=(hi - lo) / 2, samples=used)


def too_uncertain(
    estimates: Mapping[str, ClockEstimate], resolution: float
) -> dict[str, ClockEstimate]:
    """The workers whose clock is known less precisely than the figures' resolution (about
    1 / req/s, docs/metrics.md): their requests may sit on the wrong side of a moment."""
    return {w: e for w, e in estimates.items() if e.uncertainty > resolution}

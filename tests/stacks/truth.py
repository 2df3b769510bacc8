"""The ground truth a stack logged about itself, read back: what the tests and the bench compare
the harness's figures with. Every time here is absolute (time.time()), like the apps' log.

The apps write tests/stacks/_log.py's lines to {state_dir}/truth.jsonl. A failed answer is an
`error` line written as it was sent; a misbehaviour episode is a `plan` with its bad intervals;
`served` lines count the answers of each second.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.stacks._log import TRUTH_FILE

Event = dict[str, Any]


def read(data_dir: Path) -> list[Event]:
    """Every line of the stack's truth log, in time order (empty when there is none)."""
    path = data_dir / TRUTH_FILE
    if not path.is_file():
        return []
    events = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return sorted(events, key=lambda e: float(e["t"]))


def of(events: Sequence[Event], event: str, since: float, until: float) -> list[Event]:
    return [e for e in events if e["event"] == event and since <= float(e["t"]) <= until]


def bad_intervals(events: Sequence[Event], since: float, until: float) -> list[tuple[float, float]]:
    """The bad intervals of every plan that begins in [since, until]."""
    found = []
    for plan in of(events, "plan", since - 10.0, until):
        found += [(float(s), float(e)) for s, e in plan["bad"] if since <= float(s) <= until]
    return sorted(found)


@dataclass(frozen=True)
class Truth:
    """What the stack did in a stretch of time, as it logged it."""

    errors: int  # failed answers it sent
    first_error: float | None
    last_error: float | None
    bad: tuple[tuple[float, float], ...]  # planned misbehaviour (plans begun in the stretch)

    @property
    def misbehaved_until(self) -> float | None:
        """When it was well again: the end of its last planned misbehaviour or its last failed
        answer, whichever is later."""
        ends = [e for _, e in self.bad] + ([self.last_error] if self.last_error is not None else [])
        return max(ends, default=None)

    def detect_after(self, t_inject: float) -> float | None:
        return None if self.first_error is None else self.first_error - t_inject

    def recover_after(self, reference: float) -> float | None:
        until = self.misbehaved_until
        return None if until is None else max(0.0, until - reference)


def observe(events: Sequence[Event], since: float, until: float) -> Truth:
    errors = [float(e["t"]) for e in of(events, "error", since, until)]
    return Truth(
        errors=len(errors),
        first_error=min(errors, default=None),
        last_error=max(errors, default=None),
        bad=tuple(bad_intervals(events, since, until)),
    )


def served(events: Sequence[Event], since: float, until: float) -> tuple[int, int]:
    """(ok, failed) answers counted in `served` lines whose second lies within [since, until]."""
    ok = failed = 0
    for e in of(events, "served", since, until):
        if float(e["since"]) >= since - 0.01:
            ok += int(e["ok"])
            failed += int(e["failed"])
    return ok, failed


@dataclass(frozen=True)
class Retried:
    """A request the load balancer moved: accepted by one instance, which never answered it,
    and answered by another (the retry stack's `accepted` / `answered` lines)."""

    id: str
    sent: float  # when its customer sent it
    answered: float  # when another instance answered it
    by: str


def retried(
    events: Sequence[Event], instance: str, since: float = 0.0, until: float = float("inf")
) -> list[Retried]:
    """The requests `instance` accepted and another instance answered in [since, until], by
    answer time (a stack that stays up for several trials logs them all)."""
    held = {e["id"] for e in events if e["event"] == "accepted" and e["instance"] == instance}
    done = {e["id"] for e in events if e["event"] == "answered" and e["instance"] == instance}
    out = [
        Retried(e["id"], float(e["sent"]), float(e["t"]), e["instance"])
        for e in events
        if e["event"] == "answered"
        and e["id"] in held - done
        and e["instance"] != instance
        and since <= float(e["t"]) <= until
    ]
    return sorted(out, key=lambda r: r.answered)

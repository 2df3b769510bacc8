"""Misbehaviour episodes shared by every replica of a stack, through files in {state_dir}.

The first replica to notice a cause (a dead peer, a dependency back) claims a plan: when the
stack misbehaves, as absolute time.time() intervals. The others find the claimed plan and follow
it, so the whole service misbehaves as one and the truth is one plan, logged once by its claimer.
A plan whose end has passed is archived when the next cause is noticed.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PLAN_DIR = "plans"


@dataclass(frozen=True)
class Plan:
    name: str
    cause: str
    bad: tuple[tuple[float, float], ...]  # [start, end) intervals, absolute, in order
    by: str

    @property
    def start(self) -> float:
        return self.bad[0][0]

    @property
    def end(self) -> float:
        return self.bad[-1][1]

    def is_bad(self, now: float) -> bool:
        return any(s <= now < e for s, e in self.bad)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "cause": self.cause, "bad": self.bad, "by": self.by})

    @staticmethod
    def from_json(text: str) -> Plan:
        d = json.loads(text)
        bad = tuple((float(s), float(e)) for s, e in d["bad"])
        return Plan(name=str(d["name"]), cause=str(d["cause"]), bad=bad, by=str(d["by"]))


class Plans:
    """The stack's current plan of one name; claim() is safe between processes (os.link
    creates the file with its content or fails if another replica got there first)."""

    def __init__(self, state_dir: Path, name: str, instance: str) -> None:
        self.dir = state_dir / PLAN_DIR
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / f"{name}.json"
        self.name = name
        self.instance = instance
        self._lock = threading.Lock()
        self._current: Plan | None = None

    def current(self) -> Plan | None:
        return self._current

    def refresh(self) -> Plan | None:
        """Read the claimed plan from disk (another replica may have claimed it)."""
        plan = self._read()
        with self._lock:
            self._current = plan
        return plan

    def follow(self, interval: float = 0.02) -> None:
        """Keep picking up the plan from disk (run in a thread): a replica that did not notice
        the cause itself still follows the plan another one claimed."""
        while True:
            self.refresh()
            time.sleep(interval)

    def claim(self, now: float, cause: str, bad: list[tuple[float, float]]) -> tuple[Plan, bool]:
        """The plan in force (one not over yet), or this one, claimed. True when claimed here."""
        existing = self._read()
        if existing is not None and existing.end > now:
            with self._lock:
                self._current = existing
            return existing, False
        if existing is not None:  # an earlier episode: archive it (one replica wins the rename)
            with contextlib.suppress(FileNotFoundError):
                os.rename(self.path, self.dir / f"{self.name}-{existing.start:.3f}.json")
        plan = Plan(name=self.name, cause=cause, bad=tuple(bad), by=self.instance)
        tmp = self.dir / f".{self.name}.{self.instance}.{os.getpid()}.tmp"
        tmp.write_text(plan.to_json())
        try:
            os.link(tmp, self.path)
            claimed = True
        except FileExistsError:
            claimed = False
        finally:
            tmp.unlink()
        got = plan if claimed else (self._read() or plan)
        with self._lock:
            self._current = got
        return got, claimed

    def _read(self) -> Plan | None:
        try:
            return Plan.from_json(self.path.read_text())
        except (FileNotFoundError, ValueError, KeyError):
            return None

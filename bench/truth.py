"""Each figure's error against ground truth: the stacks under tests/stacks/ log when they really
misbehaved (tests/stacks/README.md), and every trial's figures are compared with that log.

One case per ground-truth scenario, each on its own local stack (one stack up at a time), run
`trials` times. Per trial: |figure - truth| in ms for the timing figures (detect, recover, end of
the impact), |count - truth| for the error counts, and whether the verdict is the one the truth
calls for (right_verdicts). The record is read as its JSON document, so a figure the pipeline
does not provide shows as missing instead of failing the bench.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._common import spread
from harness.platforms.local import LocalPlatform
from tests.stacks import running
from tests.stacks.starve import cpu_burners
from tests.stacks.truth import Event, Truth, observe, retried

Figures = dict[str, float | None]


@dataclass(frozen=True)
class TrialView:
    """One trial of the record (as JSON) and the stack's truth log."""

    trial: dict[str, Any]
    events: list[Event]

    def at(self, relative: float | None) -> float | None:
        return None if relative is None else float(self.trial["t0"]) + relative

    @property
    def end(self) -> float:
        return float(self.trial["t0"]) + float(self.trial["phases"]["end"])

    def fault(self, fault_id: str) -> dict[str, Any]:
        return next(f for f in self.trial["faults"] if f["id"] == fault_id)

    def metric(self, fault_id: str, name: str) -> Any:
        return self.fault(fault_id)["metrics"].get(name)

    def truth_of(self, fault_id: str) -> Truth:
        since = self.at(self.fault(fault_id)["t_apply_called"])
        return observe(self.events, since if since is not None else self.end, self.end)

    def evidence(self) -> set[str]:
        return {str(e.get("code")) for e in self.trial.get("evidence") or []}

    def verdicts(self, name: str) -> list[str]:
        return [str(c["verdict"]) for c in self.trial["checks"] if c["name"] == name]


def _ms(measured: float | None, truth: float | None) -> float | None:
    return None if measured is None or truth is None else abs(measured - truth) * 1000


def _count(measured: int | None, truth: int) -> float | None:
    return None if measured is None else float(abs(measured - truth))


def _ok(right: bool) -> float:
    return 1.0 if right else 0.0


def _timing(v: TrialView, fault_id: str, reference: str) -> Figures:
    """Detect, recover, end of impact and errors of one fault against the stack's truth."""
    truth = v.truth_of(fault_id)
    f = v.fault(fault_id)
    t_inject, ref = v.at(f["t_inject"]), v.at(f[reference])
    return {
        "detect_error_ms": _ms(
            v.metric(fault_id, "time_to_detect"),
            None if t_inject is None else truth.detect_after(t_inject),
        ),
        "recover_error_ms": _ms(
            v.metric(fault_id, "time_to_recover"),
            None if ref is None else truth.recover_after(ref),
        ),
        "impact_end_error_ms": _ms(v.at(v.metric(fault_id, "impact_end")), truth.misbehaved_until),
        "errors_error": _count(v.metric(fault_id, "errors"), truth.errors),
    }


def _cascade(v: TrialView) -> Figures:
    return {
        **_timing(v, "kill-one", "t_inject"),
        "right_verdict": _ok(v.trial["status"] == "failed"),
    }


def _flapping(v: TrialView) -> Figures:
    return {
        **_timing(v, "inventory-down", "t_revert"),
        "right_verdict": _ok(v.trial["status"] == "failed"),
    }


def _overlap(v: TrialView) -> Figures:
    union = observe(v.events, v.at(v.fault("pricing-slow")["t_apply_called"]) or v.end, v.end)
    impact = v.trial.get("impact") or {}
    marked = v.metric("pricing-slow", "shared_with") == ["kill-one"] and v.metric(
        "kill-one", "shared_with"
    ) == ["pricing-slow"]
    return {
        "impact_errors_error": _count(impact.get("errors"), union.errors),
        "right_verdict": _ok(marked),
    }


def _no_impact(v: TrialView) -> Figures:
    return {
        "errors_error": _count(v.metric("audit-slow", "errors"), 0),
        "right_verdict": _ok(
            v.trial["status"] == "passed" and v.metric("audit-slow", "recovery") == "no_impact"
        ),
    }


def _slow(v: TrialView) -> Figures:
    res = v.metric("kill-one", "resolution_recover")
    return {
        **_timing(v, "kill-one", "t_inject"),
        "resolution_ms": None if res is None else float(res) * 1000,
        "right_verdict": _ok(v.verdicts("max_time_to_recover") == ["inconclusive"]),
    }


def _retry(v: TrialView) -> Figures:
    """The kill whose in-flight requests HAProxy retried: no errors, an impact only in the
    requests started before it; the truth is when the survivor answered them."""
    f = v.fault("kill-one")
    t_inject = v.at(f["t_inject"])
    moved = retried(v.events, "retry-2", v.at(f["t_apply_called"]) or v.end, v.end)
    first = moved[0].answered if moved else None
    last = moved[-1].answered if moved else None
    return {
        "detect_error_ms": _ms(
            v.metric("kill-one", "time_to_detect"),
            None if first is None or t_inject is None else first - t_inject,
        ),
        "recover_error_ms": _ms(
            v.metric("kill-one", "time_to_recover"),
            None if last is None or t_inject is None else last - t_inject,
        ),
        "errors_error": _count(v.metric("kill-one", "errors"), 0),
        "right_verdict": _ok(v.verdicts("max_time_to_recover") == ["fail"]),
    }


def _inconclusive(code: str) -> Callable[[TrialView], Figures]:
    def figures(v: TrialView) -> Figures:
        return {"right_verdict": _ok(v.trial["status"] == "inconclusive" and code in v.evidence())}

    return figures


@dataclass(frozen=True)
class Case:
    stack: str
    scenario: str
    figures: Callable[[TrialView], Figures]
    starve: bool = False  # run it with CPU burners (the saturation case)


CASES = (
    Case("cascade", "cascade-kill", _cascade),
    Case("flapping", "flapping-dependency", _flapping),
    Case("flapping", "flapping-long-gaps", _flapping),
    Case("overlap", "overlap", _overlap),
    Case("noimpact", "no-impact", _no_impact),
    Case("slow", "slow-kill", _slow),
    Case("retry", "retry-kill", _retry),
    Case("evidence", "starved", _inconclusive("saturated"), starve=True),
    Case("evidence", "silent", _inconclusive("no_requests")),
    Case("evidence", "unhealthy-baseline", _inconclusive("unhealthy_baseline")),
)


def ground_truth(work: Path, *, trials: int = 3) -> dict[str, Any]:
    """Every case, `trials` trials each: the spread of each figure's error, and how many
    verdicts were right."""
    results: dict[str, Any] = {}
    for stack_name in dict.fromkeys(c.stack for c in CASES):
        with tempfile.TemporaryDirectory(prefix=f"truth-{stack_name}-", dir=work) as tmp:
            root = Path(tmp)
            with running.stack_up(stack_name, root / "state") as platform:
                for case in (c for c in CASES if c.stack == stack_name):
                    outcomes = [_trial(platform, case, root, seed=k + 1) for k in range(trials)]
                    results[case.scenario] = _summary([figures for figures, _ in outcomes])
                    wrong = [
                        _keep(case, view, seed=k + 1)
                        for k, (figures, view) in enumerate(outcomes)
                        if figures.get("right_verdict") == 0.0
                    ]
                    if wrong:
                        results[case.scenario]["wrong_verdicts_kept"] = wrong
    return results


WRONG = Path(__file__).resolve().parent / "results" / "wrong-verdicts"


def _trial(
    platform: LocalPlatform, case: Case, root: Path, *, seed: int
) -> tuple[Figures, TrialView]:
    with cpu_burners(count=5, seconds=60) if case.starve else contextlib.nullcontext():
        record = running.run_scenario(
            platform, case.stack, case.scenario, root / "reports", seed=seed
        )
    (trial,) = record.model_dump(mode="json")["scenarios"][0]["trials"]
    view = TrialView(trial, running.events(platform))
    return case.figures(view), view


def _keep(case: Case, view: TrialView, *, seed: int) -> str:
    """A trial whose verdict the truth contradicts is kept whole (its record and the stack's
    truth log from its start) under bench/results/wrong-verdicts/: a wrong verdict must be
    explainable after the bench's temporary directory is gone. Returns the file's name."""
    WRONG.mkdir(parents=True, exist_ok=True)
    t0 = float(view.trial["t0"])
    name = f"{case.scenario}-seed{seed}-{int(t0)}.json"
    events = [e for e in view.events if float(e.get("t", t0)) >= t0 - 1]
    (WRONG / name).write_text(json.dumps({"trial": view.trial, "truth_log": events}, default=str))
    return name


def _summary(per_trial: list[Figures]) -> dict[str, Any]:
    names = dict.fromkeys(k for figures in per_trial for k in figures)
    out: dict[str, Any] = {
        n: spread([figures.get(n) for figures in per_trial]) for n in names if n != "right_verdict"
    }
    right = [figures.get("right_verdict") for figures in per_trial]
    out["right_verdicts"] = f"{sum(1 for r in right if r)}/{len(right)}"
    return out

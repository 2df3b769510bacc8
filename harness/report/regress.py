"""Is a run worse than the runs before it? Pure functions over run records.

A regression is (a) a scenario that passed in the baseline run(s) and now fails, is aborted or
errors, or (b) a time to recover (per fault) or an error rate worse than earlier trials by more
than the margin AND beyond their spread:
    current median > max(earlier median x (1 + margin), earlier p90) + slack
(p90 of the earlier trial values; their max when there are fewer than five). `slack` (100 ms for
times, 0.1 % for error rates) keeps jitter around zero from counting.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.measure.stats import percentile
from harness.record.model import RunRecord, ScenarioRecord, Status

BAD = (Status.FAILED, Status.ABORTED, Status.ERROR)


@dataclass(frozen=True)
class Finding:
    scenario: str
    kind: str  # "newly failing", "slower recovery", "more errors", "never recovers"
    metric: str
    before: float | None
    now: float | None
    threshold: float | None
    detail: str


def _trial_values(s: ScenarioRecord, metric: str) -> list[float | None]:
    """Per-trial values of a metric: "error_rate" or "<fault id>.time_to_recover"."""
    out: list[float | None] = []
    for t in s.trials:
        if metric == "error_rate":
            out.append(t.overall.error_rate if t.overall else None)
            continue
        fid, _, name = metric.partition(".")
        for f in t.faults:
            if f.id == fid:
                out.append(getattr(f.metrics, name) if f.t_inject is not None else None)
    return out


def judge(
    earlier: Sequence[float | None], now: Sequence[float | None], *, margin: float, slack: float
) -> tuple[bool, float | None, float | None, float | None]:
    """(regressed, earlier median, current median, threshold). None values = never recovered."""
    before = [v for v in earlier if v is not None]
    current = [v for v in now if v is not None]
    if not before:
        return False, None, percentile(current, 50), None
    med_before = percentile(before, 50)
    assert med_before is not None
    spread = percentile(before, 90) if len(before) >= 5 else max(before)
    assert spread is not None
    threshold = max(med_before * (1 + margin), spread) + slack
    if not current:  # it used to recover / have a rate, now never does
        return bool(now), med_before, None, threshold
    med_now = percentile(current, 50)
    assert med_now is not None
    return med_now > threshold, med_before, med_now, threshold


def compare(
    earlier: Sequence[RunRecord], current: RunRecord, *, margin: float = 0.2
) -> list[Finding]:
    """Findings for `current` against the pooled trials of `earlier` runs (same scenarios)."""
    findings: list[Finding] = []
    for s in current.scenarios:
        before = [b for run in earlier for b in run.scenarios if b.name == s.name]
        if not before:
            continue
        if s.status in BAD and all(b.status is Status.PASSED for b in before):
            findings.append(
                Finding(
                    s.name,
                    "newly failing",
                    "status",
                    None,
                    None,
                    None,
                    f"passed before, {s.status.value} now",
                )
            )
        metrics = [k for k in s.summary if k.endswith(".time_to_recover")] + ["error_rate"]
        for metric in metrics:
            earlier_values = [v for b in before for v in _trial_values(b, metric)]
            now_values = _trial_values(s, metric)
            is_rate = metric == "error_rate"
            regressed, med_b, med_n, thr = judge(
                earlier_values, now_values, margin=margin, slack=0.001 if is_rate else 0.1
            )
            if not regressed:
                continue
            if med_n is None:
                kind, detail = "never recovers", f"{metric}: recovered before, never now"
            else:
                kind = "more errors" if is_rate else "slower recovery"
                detail = f"{metric}: median {med_n:.3f} now vs {med_b:.3f} before (limit {thr:.3f})"
            findings.append(Finding(s.name, kind, metric, med_b, med_n, thr, detail))
    return findings

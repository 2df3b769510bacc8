"""Repeated trials: a distribution per metric, and a flag when identical trials disagree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from harness.measure.stats import Distribution, summarize


def distributions(per_trial: Sequence[Mapping[str, float | None]]) -> dict[str, Distribution]:
    """{metric: Distribution} over trials; a trial without a metric counts as missing."""
    names = sorted({k for trial in per_trial for k in trial})
    return {name: summarize([trial.get(name) for trial in per_trial]) for name in names}


def flaky(verdicts: Sequence[str]) -> bool:
    """Identical trials that did not all reach the same verdict."""
    return len(set(verdicts)) > 1

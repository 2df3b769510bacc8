"""Probes a scenario runs (and the built-in health probe): what each is, every sample on the
trial's clock, and the summary assess() makes of them per phase. Pure; no HTTP here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.measure.stats import percentile_sorted
from harness.measure.timeline import ProbeSample

PHASES = ("baseline", "faults", "observe")
HEALTH = "health"  # the built-in probe every trial runs (GET the health path through the LB)


@dataclass(frozen=True)
class ProbeMeta:
    id: str
    type: str  # "http", "journey", "python"
    target: str  # for people: "GET http://127.0.0.1:8080/products", "mod:fn"
    every: float
    phases: tuple[str, ...]  # where it runs (and is judged)
    min_samples: int = 3  # per phase, or the verdict is inconclusive
    min_success: float = 1.0  # share of samples that must pass, per phase
    judged: bool = True  # a promise; the built-in health probe is only measured
    timed: bool = False  # it has a latency limit: a starved machine takes its verdict away
    description: str = ""


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """One sample: when it started, how long it took, whether it passed, and why not."""

    t: float
    duration: float
    ok: bool
    status: int = 0  # the last HTTP status seen (0: none, or not HTTP)
    value: str | None = None  # what a python probe returned (short), or the failing step
    error: str | None = None  # why it failed

    @property
    def failed(self) -> bool:
        return not self.ok


@dataclass(frozen=True)
class ProbeObservation:
    meta: ProbeMeta
    samples: tuple[ProbeResult, ...] = ()

    def as_probe_samples(self) -> tuple[ProbeSample, ...]:
        """The shape the recovery math reads (probe_detection)."""
        return tuple(
            ProbeSample(s.t, s.duration, s.status, None if s.ok else (s.error or "failed"))
            for s in self.samples
        )


@dataclass(frozen=True)
class PhaseSummary:
    phase: str
    span: float  # how long the phase lasted (s)
    samples: int
    passed: int
    p50: float | None  # latency of passing samples
    p95: float | None
    first_failure: float | None  # absolute start time of the first failed sample
    first_error: str | None

    @property
    def failed(self) -> int:
        return self.samples - self.passed


@dataclass(frozen=True)
class ProbeSummary:
    meta: ProbeMeta
    phases: tuple[PhaseSummary, ...]


def phase_of(t: float, bounds: Sequence[tuple[str, float, float]]) -> str | None:
    for name, start, end in bounds:
        if start <= t < end:
            return name
    return None


def summarize(probe: ProbeObservation, bounds: Sequence[tuple[str, float, float]]) -> ProbeSummary:
    """Per phase the probe runs in: samples, passes, latency of passes, the first failure.
    `bounds`: (phase, start, end) on the trial's clock."""
    by_phase: dict[str, list[ProbeResult]] = {p: [] for p in probe.meta.phases}
    for s in probe.samples:
        phase = phase_of(s.t, bounds)
        if phase in by_phase:
            by_phase[phase].append(s)
    spans = {name: max(0.0, end - start) for name, start, end in bounds}
    out = []
    for phase in probe.meta.phases:
        samples = by_phase[phase]
        ok = sorted(s.duration for s in samples if s.ok)
        first = next((s for s in samples if not s.ok), None)
        out.append(
            PhaseSummary(
                phase=phase,
                span=spans.get(phase, 0.0),
                samples=len(samples),
                passed=len(ok),
                p50=percentile_sorted(ok, 50),
                p95=percentile_sorted(ok, 95),
                first_failure=first.t if first else None,
                first_error=first.error if first else None,
            )
        )
    return ProbeSummary(probe.meta, tuple(out))

"""Is there enough evidence for a verdict? Baseline health and size, a starved machine, an
empty trial (docs/metrics.md, "Evidence before a verdict"). Pure functions.

Each problem says which checks it takes away: `all` of them, those that compare with the
`baseline`, or the `timing` ones (every customer-impact figure; correctness counts stay).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from harness.measure.baseline import Baseline
from harness.measure.observations import HostSample, LagSample
from harness.measure.stats import percentile

ProblemCode = Literal[
    "no_requests",
    "thin_baseline",
    "unhealthy_baseline",
    "unsteady_baseline",
    "saturated",
    "interrupted",
]
Affects = Literal["all", "baseline", "timing"]


@dataclass(frozen=True)
class EvidenceRules:
    baseline_min_requests: int
    baseline_max_error_rate: float
    baseline_max_unsteady: float  # share of baseline units that may themselves be out of tolerance
    max_load_cpu: float  # cores used by the load process(es), mean over the measured span
    max_loop_lag: float  # seconds: the load's event loop, worst per-second p99
    max_harness_lag: float  # seconds: the harness's own sampler, worst
    max_host_load: float  # 1-minute load average per core, worst
    max_foreign_cpu: float  # cores busy with what is not ours, mean over the measured span


@dataclass(frozen=True)
class EvidenceProblem:
    code: ProblemCode
    message: str
    affects: Affects


@dataclass(frozen=True)
class HostSummary:
    samples: int
    cpu_busy_mean: float | None
    steal_mean: float | None
    load_per_core_max: float | None
    load_cpu_mean: float | None
    load_cpu_max: float | None
    harness_lag_max: float | None
    foreign_cpu_mean: float | None  # cores something other than the harness/load/stack used
    loop_lag_max: float | None  # worst per-second p99 of the load's event loop
    loop_lag_median: float | None


def summarize_host(
    host: Sequence[HostSample], lags: Sequence[LagSample], start: float, end: float
) -> HostSummary:
    """The machine over [start, end) (the measured phases: baseline to the end)."""
    hs = [h for h in host if start <= h.t < end]
    ls = [lag.lag for lag in lags if start <= lag.t < end]

    def mean(v: list[float]) -> float | None:
        return sum(v) / len(v) if v else None

    return HostSummary(
        samples=len(hs),
        cpu_busy_mean=mean([h.cpu_busy for h in hs]),
        steal_mean=mean([h.steal for h in hs]),
        load_per_core_max=max((h.load_per_core for h in hs), default=None),
        load_cpu_mean=mean([h.load_cpu for h in hs]),
        load_cpu_max=max((h.load_cpu for h in hs), default=None),
        harness_lag_max=max((h.harness_lag for h in hs), default=None),
        foreign_cpu_mean=mean([h.foreign_cpu for h in hs]),
        loop_lag_max=max(ls, default=None),
        loop_lag_median=percentile(ls, 50),
    )


def saturation(host: HostSummary, rules: EvidenceRules) -> list[str]:
    """Why the machine could not measure faithfully, one reason per signal over its limit."""
    out = []
    if host.load_cpu_mean is not None and host.load_cpu_mean > rules.max_load_cpu:
        out.append(
            f"the load generator used {host.load_cpu_mean:.0%} of a core on average "
            f"(limit {rules.max_load_cpu:.0%}): the rate was set by Locust, not the stack"
        )
    if host.loop_lag_max is not None and host.loop_lag_max > rules.max_loop_lag:
        out.append(
            f"the load generator's event loop lagged {host.loop_lag_max * 1000:.0f} ms "
            f"(p99 over a second; limit {rules.max_loop_lag * 1000:.0f} ms): request times "
            "include waiting for the CPU"
        )
    if host.harness_lag_max is not None and host.harness_lag_max > rules.max_harness_lag:
        out.append(
            f"the harness's own 0.5 s sampler woke {host.harness_lag_max * 1000:.0f} ms late "
            f"(limit {rules.max_harness_lag * 1000:.0f} ms): fault times and probes were late"
        )
    if host.foreign_cpu_mean is not None and host.foreign_cpu_mean > rules.max_foreign_cpu:
        out.append(
            f"something other than the harness, its load and its stack used "
            f"{host.foreign_cpu_mean:.1f} cores on average (limit {rules.max_foreign_cpu:g}): "
            "the stack was competing for the CPU, so its latencies are the machine's"
        )
    if host.load_per_core_max is not None and host.load_per_core_max > rules.max_host_load:
        out.append(
            f"the host's load average reached {host.load_per_core_max:.1f} per core "
            f"(limit {rules.max_host_load:g}): the machine was starved"
        )
    return out


def problems(
    base: Baseline | None,
    requests: int,
    host: HostSummary,
    rules: EvidenceRules,
    *,
    interrupted: str | None = None,
    unsteady: tuple[int, int] = (0, 0),
) -> list[EvidenceProblem]:
    """Every reason the evidence is thin. `unsteady`: (bad, total) units of the baseline
    judged against its own tolerance: a steady state that leaves it by itself cannot tell a
    fault's impact from noise."""
    out: list[EvidenceProblem] = []
    if interrupted is not None:
        out.append(
            EvidenceProblem(
                "interrupted", f"the trial was interrupted ({interrupted}) before its end", "all"
            )
        )
    if requests == 0:
        out.append(
            EvidenceProblem(
                "no_requests", "the trial measured no requests: nothing to judge", "all"
            )
        )
        return out
    if base is None or base.successes < rules.baseline_min_requests:
        n = 0 if base is None else base.successes
        out.append(
            EvidenceProblem(
                "thin_baseline",
                f"the baseline holds {n} successful requests (at least "
                f"{rules.baseline_min_requests} needed): too few to define the steady state; "
                "lengthen phases.baseline or add users",
                "baseline",
            )
        )
    if base is not None and base.requests and base.error_rate > rules.baseline_max_error_rate:
        out.append(
            EvidenceProblem(
                "unhealthy_baseline",
                f"the baseline's error rate was {base.error_rate:.2%} (at most "
                f"{rules.baseline_max_error_rate:.2%} allowed): the stack was not healthy "
                "before the fault",
                "baseline",
            )
        )
    bad, total = unsteady
    if total and bad > max(1.0, rules.baseline_max_unsteady * total):
        out.append(
            EvidenceProblem(
                "unsteady_baseline",
                f"{bad} of the baseline's {total} windows were themselves out of tolerance "
                f"(at most {rules.baseline_max_unsteady:.0%}, or one, allowed): the steady "
                "state was too noisy to tell a fault's impact from it (a busy machine, or a "
                "warm-up that had not settled)",
                "baseline",
            )
        )
    for reason in saturation(host, rules):
        out.append(EvidenceProblem("saturated", reason, "timing"))
    return out

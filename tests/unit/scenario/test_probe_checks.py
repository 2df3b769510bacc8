"""A probe is a promise: pass, fail (on enough samples), inconclusive (too few, or a starved
machine for a probe with a latency limit); the built-in health probe is measured, not judged."""

from __future__ import annotations

from harness.measure.assess import assess
from harness.measure.observations import PhaseTimes
from harness.measure.probe_results import HEALTH, ProbeMeta, ProbeObservation, ProbeResult
from harness.record import model as rec
from harness.scenario.schema import Scenario
from harness.scenario.settings import assess_settings
from harness.scenario.trial_record import to_record
from harness.scenario.verdict import judge
from tests.unit.measure.timelines import steady

from .test_verdict import T0, observe

PHASES = PhaseTimes(T0, T0 + 2, T0 + 10, T0 + 20, T0 + 25)

META = ProbeMeta("checkout", "journey", "3 steps", 1.0, ("baseline", "faults", "observe"))


def samples(
    every: float, fail_between: tuple[float, float] | None = None
) -> tuple[ProbeResult, ...]:
    out = []
    t = PHASES.warmup_end
    while t < PHASES.end:
        bad = fail_between is not None and fail_between[0] <= t - T0 < fail_between[1]
        out.append(
            ProbeResult(
                t, 0.05, not bad, 503 if bad else 200, None, "pay: status 503" if bad else None
            )
        )
        t += every
    return tuple(out)


def judged(*probes: ProbeObservation) -> rec.TrialRecord:
    sc = Scenario(name="p")
    obs = observe(steady(0, 25), probes=probes, phases=PHASES)
    settings = assess_settings(sc)
    return judge(sc, to_record(0, obs, assess(settings, obs), settings, {}, None))


def check(trial: rec.TrialRecord, pid: str = "checkout") -> rec.Check:
    return next(c for c in trial.checks if c.scope == f"probe:{pid}")


def test_a_probe_that_always_passed_holds() -> None:
    c = check(judged(ProbeObservation(META, samples(1.0))))
    assert c.verdict == "pass", c
    assert c.observed.startswith("baseline ")


def test_a_failure_during_the_faults_breaks_it_and_says_when() -> None:
    c = check(judged(ProbeObservation(META, samples(1.0, fail_between=(17.0, 19.0)))))
    assert c.verdict == "fail"
    assert "faults " in c.observed and "pay: status 503" in c.observed


def test_a_share_below_one_is_allowed_when_asked() -> None:
    meta = ProbeMeta("c", "http", "GET /", 1.0, ("faults",), min_success=0.5)
    c = check(judged(ProbeObservation(meta, samples(1.0, fail_between=(17.0, 18.0)))), "c")
    assert c.verdict == "pass"


def test_too_few_samples_in_a_phase_is_inconclusive() -> None:
    c = check(judged(ProbeObservation(META, samples(4.0))))
    assert c.verdict == "inconclusive"
    assert "needs 3" in (c.reason or "")


def test_the_health_probe_is_measured_not_judged() -> None:
    health = ProbeMeta(
        HEALTH, "http", "GET /healthz", 0.05, ("baseline", "faults", "observe"), judged=False
    )
    trial = judged(ProbeObservation(health, samples(0.05, fail_between=(17.0, 18.0))))
    assert not any(c.scope == f"probe:{HEALTH}" for c in trial.checks)
    (p,) = trial.probes
    assert p.thinned > 0 and all(not m.ok for m in p.samples if 17.0 <= m.t < 18.0)
    assert any(not m.ok for m in p.samples)  # every failure kept for the timeline

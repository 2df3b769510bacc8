"""The whole pipeline without a stack: observations -> assess() -> record -> judge().

Each case is one the issue measured giving a flattering verdict; here its truth is known by
construction and the verdict must follow it. Milliseconds each.
"""

from __future__ import annotations

from typing import Any

import pytest

from harness.faults.meta import FaultMeta
from harness.measure.assess import assess
from harness.measure.observations import (
    FaultObservation,
    HostSample,
    LagSample,
    PhaseTimes,
    RollbackEntry,
    TrialObservations,
)
from harness.measure.timeline import RequestRecord
from harness.record import model as rec
from harness.scenario.schema import Scenario
from harness.scenario.settings import assess_settings
from harness.scenario.trial_record import to_record
from harness.scenario.verdict import judge
from tests.unit.measure.timelines import fail, steady

T0 = 1000.0
PHASES = PhaseTimes(T0, T0 + 2, T0 + 10, T0 + 10, T0 + 25)


def scenario(expect: dict[str, Any], **extra: Any) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "t",
            "faults": [{"type": "kill", "target": {"instance": "shop-1"}}],
            "expect": expect,
            **extra,
        }
    )


def kill_at(t: float, revert: float | None = None) -> FaultObservation:
    meta = FaultMeta(
        id="kill",
        kind="kill",
        family="instance",
        target="shop-1",
        self_healing=True,
        instances=("shop-1",),
        lb_servers=("shop-1",),
    )
    return FaultObservation(meta, t - 0.001, t, revert, revert)


def observe(
    records: list[RequestRecord],
    faults: tuple[FaultObservation, ...] | None = None,
    **kw: Any,
) -> TrialObservations:
    shifted = sorted(
        (RequestRecord(r.t + T0, r.duration, r.name, r.status, r.error, r.user) for r in records),
        key=lambda r: r.t,
    )
    return TrialObservations(
        seed=1,
        started_at=T0 - 1,
        finished_at=kw.pop("finished_at", T0 + 26),
        users=16,
        phases=kw.pop("phases", PHASES),
        requests=tuple(shifted),
        faults=faults if faults is not None else (kill_at(T0 + 10),),
        **kw,
    )


def verdict(sc: Scenario, obs: TrialObservations, recon: rec.Reconciliation | None = None):  # type: ignore[no-untyped-def]
    settings = assess_settings(sc)
    return judge(sc, to_record(0, obs, assess(settings, obs), settings, {}, recon))


def by_name(trial: rec.TrialRecord) -> dict[str, rec.Check]:
    return {c.name: c for c in trial.checks}


def test_the_delayed_cascade_breaks_its_promises() -> None:
    """Killing one replica makes the others fail 2.5 s later for 3 s: hundreds of errors, a
    recovery after 5.5 s: both promises broken, status failed (it used to pass with 0 errors
    and a recovery of 0 ms)."""
    sc = scenario({"max_time_to_recover": "1s", "max_errors_per_fault": 10})
    trial = verdict(sc, observe(fail(steady(0, 25), lambda r: 12.5 <= r.t < 15.5)))
    assert trial.status is rec.Status.FAILED
    f = trial.faults[0].metrics
    assert f.time_to_detect == pytest.approx(2.5, abs=0.01)
    assert f.time_to_recover == pytest.approx(5.5, abs=0.01)
    assert f.errors == 1200
    checks = by_name(trial)
    assert checks["max_time_to_recover"].verdict == "fail"
    assert checks["max_errors_per_fault"].verdict == "fail"
    assert trial.impact is not None and trial.impact.errors == 1200


def test_a_clean_kill_passes() -> None:
    sc = scenario({"max_time_to_recover": "1s", "max_errors_per_fault": 10})
    trial = verdict(sc, observe(fail(steady(0, 25), lambda r: 10 <= r.t < 10.01)))
    assert trial.status is rec.Status.PASSED, trial.checks


def test_a_trial_with_no_requests_cannot_pass() -> None:
    sc = scenario({"max_users_affected": 0.5})
    trial = verdict(sc, observe([]))
    assert trial.status is rec.Status.INCONCLUSIVE
    assert [e.code for e in trial.evidence] == ["no_requests"]
    assert all(c.verdict == "inconclusive" for c in trial.checks)


def test_no_checks_and_no_requests_is_still_not_a_pass() -> None:
    trial = verdict(scenario({}), observe([]))
    assert trial.status is rec.Status.INCONCLUSIVE


def test_an_unhealthy_baseline_is_inconclusive() -> None:
    sc = scenario({"max_time_to_recover": "1s"})
    trial = verdict(sc, observe(fail(steady(0, 25), lambda r: r.user < 13)))
    assert trial.status is rec.Status.INCONCLUSIVE
    assert "unhealthy_baseline" in [e.code for e in trial.evidence]


def test_a_starved_machine_makes_timing_verdicts_inconclusive_but_keeps_the_facts() -> None:
    sc = scenario({"max_time_to_recover": "1s", "double_charges": 0})
    host = tuple(HostSample(T0 + t, 1.0, 0.0, 12.0, 0.5, 0.02) for t in range(3, 24))
    lags = tuple(LagSample(T0 + t, 0.4) for t in range(3, 24))
    obs = observe(fail(steady(0, 25), lambda r: 10 <= r.t < 10.01), host=host, lags=lags)
    recon = rec.Reconciliation(counts={"double_charges": 2})
    trial = verdict(sc, obs, recon)
    checks = by_name(trial)
    assert checks["max_time_to_recover"].verdict == "inconclusive"
    assert "lagged 400 ms" in (checks["max_time_to_recover"].reason or "")
    assert checks["double_charges"].verdict == "fail"  # a fact whatever the machine did
    assert trial.status is rec.Status.FAILED


def test_starved_with_only_timing_checks_is_inconclusive_not_passed() -> None:
    sc = scenario({"max_time_to_recover": "1s"})
    lags = tuple(LagSample(T0 + t, 0.4) for t in range(3, 24))
    trial = verdict(sc, observe(steady(0, 25), lags=lags))
    assert trial.status is rec.Status.INCONCLUSIVE


def test_an_interrupted_trial_is_not_judged_as_complete() -> None:
    sc = scenario({"max_time_to_recover": "1s", "recovers": True})
    obs = observe(
        fail(steady(0, 14), lambda r: r.t >= 10), interrupted="SIGINT", finished_at=T0 + 14
    )
    trial = verdict(sc, obs)
    assert trial.status is rec.Status.INTERRUPTED
    assert all(c.verdict == "inconclusive" for c in trial.checks)
    assert trial.interrupted == "SIGINT"


def test_a_figure_within_its_resolution_of_the_limit_is_inconclusive() -> None:
    """3 req/s: recovered after 0.47 s with a resolution of 0.33 s; against a 0.3 s limit the
    truth may lie on either side."""
    records = fail(steady(0, 60, rps=3, latency=0.3, users=1), lambda r: 20.2 <= r.t < 20.4)
    phases = PhaseTimes(T0, T0 + 2, T0 + 20, T0 + 20, T0 + 60)
    sc = scenario({"max_time_to_recover": "300ms"}, evidence={"baseline_min_requests": 20})
    trial = verdict(sc, observe(records, (kill_at(T0 + 20.2),), phases=phases))
    check = by_name(trial)["max_time_to_recover"]
    assert check.verdict == "inconclusive"
    assert "within its resolution" in (check.reason or "")
    assert trial.tolerance is not None and trial.tolerance.widened


@pytest.mark.parametrize(
    ("limit", "verdict_"), [("600ms", "inconclusive"), ("1s", "pass"), ("100ms", "fail")]
)
def test_a_figure_just_under_its_limit_passes_only_when_its_resolution_is(
    limit: str, verdict_: str
) -> None:
    """CI, slow stack: 382 ms +/- 302 ms passed against 600 ms; the truth was 0.60 s. Here:
    recovered 0.47 s after the kill, +/- 0.33 s."""
    records = fail(steady(0, 60, rps=3, latency=0.3, users=1), lambda r: 20.2 <= r.t < 20.4)
    phases = PhaseTimes(T0, T0 + 2, T0 + 20, T0 + 20, T0 + 60)
    sc = scenario({"max_time_to_recover": limit}, evidence={"baseline_min_requests": 20})
    trial = verdict(sc, observe(records, (kill_at(T0 + 20.2),), phases=phases))
    assert by_name(trial)["max_time_to_recover"].verdict == verdict_


def test_never_recovered_fails_only_when_watched_longer_than_the_limit() -> None:
    records = fail(steady(0, 25), lambda r: r.t >= 10)
    long = verdict(scenario({"max_time_to_recover": "5s"}), observe(records))
    assert by_name(long)["max_time_to_recover"].verdict == "fail"
    assert "never recovered" in by_name(long)["max_time_to_recover"].observed
    short = verdict(scenario({"max_time_to_recover": "60s"}), observe(records))
    assert by_name(short)["max_time_to_recover"].verdict == "inconclusive"


def test_users_affected_with_no_impact_is_zero_and_passes() -> None:
    trial = verdict(scenario({"max_users_affected": 0.0}), observe(steady(0, 25)))
    check = by_name(trial)["max_users_affected"]
    assert check.verdict == "pass" and check.value == 0.0


def test_a_failed_rollback_is_an_error_whatever_the_checks_say() -> None:
    rollbacks = (RollbackEntry("kill", T0 + 24, False, "FaultError: cannot start"),)
    trial = verdict(scenario({}), observe(steady(0, 25), rollbacks=rollbacks))
    assert trial.status is rec.Status.ERROR


def test_a_missing_request_name_is_inconclusive_not_failed() -> None:
    sc = scenario({"requests": {"POST /checkout": {"max_error_rate": 0.01}}})
    check = by_name(verdict(sc, observe(steady(0, 25))))["max_error_rate"]
    assert check.verdict == "inconclusive"
    assert "no request named 'POST /checkout'" in check.observed


def test_reconciliation_is_in_the_record_whether_asserted_or_not() -> None:
    recon = rec.Reconciliation(acknowledged=10, confirmed=10, counts={"lost_orders": 0})
    trial = verdict(scenario({}), observe(steady(0, 25)), recon)
    assert trial.reconciliation == recon


def test_the_requests_still_in_flight_when_the_load_stopped_are_not_a_collapse() -> None:
    """A stack at 1 s a request: a request is recorded when it ends and the load stops at the
    trial's end, so the last second holds only the requests that ended before it. Judged, that
    read as a throughput collapse and the kill 'never' settled (ground-truth stack `retry`)."""
    records = [r for r in steady(0, 25, rps=30, latency=1.0, users=30) if r.t + 1.0 <= 25]
    sc = scenario({"max_time_to_recover": "1s"})
    trial = verdict(sc, observe(records, (kill_at(T0 + 10, T0 + 13),)))
    f = trial.faults[0].metrics
    assert f.recovery == "no_impact" and f.settle == "no_impact", f
    assert f.judged_until is not None and f.judged_until <= 24.0 + 1e-6
    assert trial.status is rec.Status.PASSED, trial.checks

"""Evidence before a verdict: baseline size and health, a starved machine, an empty trial."""

import pytest

from harness.measure.baseline import baseline
from harness.measure.evidence import EvidenceRules, problems, summarize_host
from harness.measure.observations import HostSample, LagSample

from .timelines import fail, steady

RULES = EvidenceRules(
    baseline_min_requests=50,
    baseline_max_error_rate=0.02,
    baseline_max_unsteady=0.2,
    max_load_cpu=0.9,
    max_loop_lag=0.1,
    max_harness_lag=0.25,
    max_host_load=6.0,
    max_foreign_cpu=0.5,
)
QUIET = summarize_host([], [], 0, 100)


def codes(found: list) -> list[str]:  # type: ignore[type-arg]
    return [p.code for p in found]


def test_a_healthy_large_baseline_on_a_quiet_machine_has_no_problem() -> None:
    assert problems(baseline(steady(0, 10), 2, 10), 4000, QUIET, RULES) == []


def test_no_requests_takes_every_check_away() -> None:
    found = problems(None, 0, QUIET, RULES)
    assert codes(found) == ["no_requests"] and found[0].affects == "all"


def test_a_thin_baseline() -> None:
    base = baseline(steady(0, 10, rps=3), 2, 10)
    found = problems(base, 30, QUIET, RULES)
    assert codes(found) == ["thin_baseline"]
    assert found[0].affects == "baseline"
    assert "24 successful requests" in found[0].message


def test_an_unhealthy_baseline() -> None:
    records = fail(steady(0, 10), lambda r: r.user < 13)  # 80 % errors
    found = problems(baseline(records, 2, 10), 4000, QUIET, RULES)
    assert "unhealthy_baseline" in codes(found)
    assert "81.25%" in next(p.message for p in found if p.code == "unhealthy_baseline")


def test_a_starved_machine_takes_timing_checks_away_and_says_why() -> None:
    host = [HostSample(t, 0.9, 0.0, 9.5, 0.4, 0.6) for t in (3.0, 3.5, 4.0)]
    lags = [LagSample(3.0, 0.35)]
    summary = summarize_host(host, lags, 2, 10)
    assert summary.loop_lag_max == pytest.approx(0.35)
    found = problems(baseline(steady(0, 10), 2, 10), 4000, summary, RULES)
    assert codes(found) == ["saturated", "saturated", "saturated"]
    assert {p.affects for p in found} == {"timing"}
    text = " ".join(p.message for p in found)
    assert "350 ms" in text and "600 ms" in text and "9.5 per core" in text


def test_a_saturated_load_generator() -> None:
    host = [HostSample(t, 0.6, 0.0, 1.0, 0.97, 0.01) for t in (3.0, 3.5)]
    found = problems(baseline(steady(0, 10), 2, 10), 4000, summarize_host(host, [], 2, 10), RULES)
    assert codes(found) == ["saturated"]
    assert "97% of a core" in found[0].message


def test_samples_outside_the_measured_span_do_not_count() -> None:
    host = [HostSample(0.5, 1.0, 0.0, 20.0, 1.0, 1.0)]  # during warm-up
    assert summarize_host(host, [LagSample(0.5, 2.0)], 2, 10).samples == 0


def test_an_interrupted_trial() -> None:
    found = problems(baseline(steady(0, 10), 2, 10), 4000, QUIET, RULES, interrupted="SIGTERM")
    assert codes(found) == ["interrupted"] and found[0].affects == "all"


def test_a_baseline_that_leaves_its_own_tolerance_is_unsteady() -> None:
    found = problems(baseline(steady(0, 10), 2, 10), 4000, QUIET, RULES, unsteady=(3, 8))
    assert codes(found) == ["unsteady_baseline"]
    assert "3 of the baseline's 8 windows" in found[0].message
    assert problems(baseline(steady(0, 10), 2, 10), 4000, QUIET, RULES, unsteady=(1, 8)) == []
    # one window of a short baseline is allowed (20 % of 4 would allow none)
    assert problems(baseline(steady(0, 10), 2, 10), 4000, QUIET, RULES, unsteady=(1, 4)) == []


def test_cpu_used_by_other_programs_is_a_starved_machine() -> None:
    host = [HostSample(t, 1.0, 0.0, 1.2, 0.2, 0.01, foreign_cpu=1.4) for t in (3.0, 3.5, 4.0)]
    found = problems(baseline(steady(0, 10), 2, 10), 4000, summarize_host(host, [], 2, 10), RULES)
    assert codes(found) == ["saturated"]
    assert "used 1.4 cores" in found[0].message


def test_a_cpu_pegged_by_our_own_stack_is_not_starvation() -> None:
    host = [HostSample(t, 1.0, 0.0, 1.2, 0.2, 0.01, foreign_cpu=0.1) for t in (3.0, 3.5, 4.0)]
    found = problems(baseline(steady(0, 10), 2, 10), 4000, summarize_host(host, [], 2, 10), RULES)
    assert found == []

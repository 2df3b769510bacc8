"""Per-fault figures on synthetic timelines whose answer is known by construction."""

from __future__ import annotations

import pytest

from harness.measure.baseline import Tolerance, baseline
from harness.measure.recovery import (
    FaultMetrics,
    lb_detection,
    measure_fault,
    probe_detection,
    share,
    span_ends,
)
from harness.measure.timeline import BackendEvent, FaultWindow, ProbeSample, RequestRecord
from harness.measure.units import unit_width

from .timelines import fail, slow, steady

TOL = Tolerance(
    error_rate_abs=0.001, p95_factor=1.5, p95_slack=0.005, min_requests=5, significance=0.001
)


def measure(
    records: list[RequestRecord],
    fault: FaultWindow,
    *,
    end: float,
    base_window: tuple[float, float] = (2.0, 10.0),
    span_end: float | None = None,
    **kw: object,
) -> FaultMetrics:
    records = sorted(records, key=lambda r: r.t)
    base = baseline(records, *base_window)
    unit = unit_width(1.0, TOL, base)
    return measure_fault(
        records,
        [r.t for r in records],
        fault,
        span_end if span_end is not None else end,
        base,
        TOL,
        unit=unit,
        trial_end=end,
        **kw,  # type: ignore[arg-type]
    )


def kill(at: float = 10.0, revert: float | None = None) -> FaultWindow:
    return FaultWindow("kill", "kill", "shop-1", at - 0.001, at, revert, revert, self_healing=True)


def test_kill_detected_at_the_first_failure_and_recovered_after_the_last() -> None:
    records = steady(0, 30)
    victims = {id(r) for r in [r for r in records if 10.0 <= r.t < 15.7 and r.user < 6][::40][:18]}
    records = fail(records, lambda r: id(r) in victims)
    failed = [r for r in records if r.failed]
    assert len(failed) == 18
    m = measure(records, kill(), end=30.0)
    assert m.recovery == "recovered"
    assert m.time_to_detect == pytest.approx(failed[0].end - 10.0)
    after_last = next(r.t for r in records if r.t > failed[-1].t)
    assert m.time_to_recover == pytest.approx(after_last - 10.0)
    assert m.resolution_recover == pytest.approx(1 / 400)
    assert m.errors == 18
    assert m.users_affected == len({r.user for r in failed})
    assert m.users_active == 16


def test_a_delayed_cascade_is_an_impact_and_recovery_comes_after_it() -> None:
    """The issue's case: a kill at 10 that makes every replica fail 2.5 s later for 3 s. The
    first window after the kill is clean, yet the service has not recovered."""
    records = fail(steady(0, 25), lambda r: 12.5 <= r.t < 15.5)
    m = measure(records, kill(), end=25.0)
    assert m.recovery == "recovered"
    assert m.time_to_detect == pytest.approx(2.5, abs=0.01)
    assert m.time_to_recover == pytest.approx(5.5, abs=0.01)
    assert m.errors == 1200  # 3 s x 400 req/s, every one of them
    assert m.time_to_recover >= m.time_to_detect
    assert m.users_affected == 16


def test_a_flapping_service_has_not_recovered_until_it_stops_flapping() -> None:
    down = FaultWindow("down", "down", "payment", 10.0, 10.0, 12.0, 12.0)

    def bad(r: RequestRecord) -> bool:
        if 10 <= r.t < 12:
            return True
        return 12 <= r.t < 15 and int((r.t - 12) / 0.5) % 2 == 0  # 0.5 s bad, 0.5 s good

    m = measure(fail(steady(0, 25), bad), down, end=25.0)
    assert m.recovery == "recovered"
    # the last flap ends at 14.5: recovered 2.5 s after the revert, not at the first clean window
    assert m.time_to_recover == pytest.approx(2.5, abs=0.01)
    assert m.bad_units >= 4


def test_a_fault_with_no_impact() -> None:
    latency = FaultWindow("lat", "latency", "shipping", 10.0, 10.0, 15.0, 15.0)
    m = measure(steady(0, 25), latency, end=25.0)
    assert m.recovery == "no_impact"
    assert m.time_to_detect is None
    assert m.time_to_recover == 0.0
    assert m.errors == 0 and m.users_affected == 0


def test_a_payment_outage_recovers_from_the_revert() -> None:
    records = steady(0, 10) + steady(10, 40, name="GET /products")
    checkouts = steady(0, 40, rps=40, name="POST /checkout", latency=0.003)
    records = records + fail(checkouts, lambda r: 10.0 <= r.t < 30.0)
    down = FaultWindow("down", "down", "payment", 9.999, 10.0, 29.999, 30.0)
    m = measure(records, down, end=40.0)
    assert m.errors == 800  # 20 s x 40 checkouts/s
    assert m.time_to_recover == pytest.approx(0.0, abs=0.01)
    assert m.availability == pytest.approx(1 - 800 / (20 * 440), rel=1e-3)


def test_never_recovering() -> None:
    down = FaultWindow("x", "down", "payment", 10, 10, 12, 12)
    m = measure(fail(steady(0, 20), lambda r: r.t >= 10), down, end=20)
    assert m.recovery == "never"
    assert m.time_to_recover is None
    assert m.impact_end == 20


def test_latency_is_an_impact_too_and_is_judged_on_successful_requests() -> None:
    records = slow(steady(0, 25), lambda r: 10.3 <= r.t < 13.3, 0.05)
    lat = FaultWindow("lat", "latency", "payment", 10.0, 10.0, 13.0, 13.0)
    m = measure(records, lat, end=25.0)
    assert m.time_to_detect == pytest.approx(0.35, abs=0.01)  # the first slow answer's end
    assert m.time_to_recover == pytest.approx(0.3, abs=0.01)  # 13.3 - t_revert
    assert m.errors == 0
    assert m.p95_inflation == pytest.approx(25, rel=0.01)


def test_fast_failures_do_not_make_latency_look_better() -> None:
    records = steady(0, 10, latency=0.010)
    during = steady(10, 15, latency=0.010)
    records += fail(during, lambda r: r.user % 2 == 0, latency=0.0005)  # fast 503s
    records += steady(15, 25, latency=0.010)
    down = FaultWindow("d", "down", "payment", 10, 10, 15, 15)
    m = measure(records, down, end=25)
    assert m.p95_inflation == pytest.approx(1.0)  # successes are as fast as before
    assert m.availability == pytest.approx(0.5)


def test_a_hang_shows_as_collapsed_throughput() -> None:
    records = [r for r in steady(0, 25) if not 10 <= r.t < 12]
    pause = FaultWindow("p", "pause", "shop-1", 10, 10, None, None, self_healing=True)
    m = measure(records, pause, end=25)
    assert m.recovery == "recovered"
    assert m.time_to_detect == pytest.approx(0.0, abs=0.01)
    assert m.time_to_recover == pytest.approx(2.0, abs=0.01)


def test_low_rate_widens_units_and_reports_its_resolution() -> None:
    """3 req/s: 1 s windows hold 3 requests, too few to judge; units widen to 2 x 5 / 3 s."""
    records = steady(0, 60, rps=3, latency=0.3, users=1)
    records = fail(records, lambda r: 20.2 <= r.t < 20.4)  # the one at 20.33 fails
    base = baseline(records, 2, 20)
    assert unit_width(1.0, TOL, base) == pytest.approx(10 / 3, rel=0.02)
    m = measure(records, kill(20.2), end=60, base_window=(2, 20))
    assert m.recovery == "recovered"
    # recovered when the next request (20.67) succeeded; the truth lies in the 1/3 s before
    assert m.time_to_recover == pytest.approx(20 + 2 / 3 - 20.2, abs=0.01)
    assert m.resolution_recover == pytest.approx(1 / 3, abs=0.01)
    assert m.errors == 1


def test_a_trial_ending_just_short_of_a_whole_unit_still_judges_its_last_stretch() -> None:
    """CI, slow stack: units of 3.10 s, the trial ended 3.08 s after the first one; judging
    complete units only called a service that had answered ten requests in a row 'never
    recovered'."""
    records = steady(0, 20.0 + 2 * 10 / 3 - 0.1, rps=3, latency=0.3, users=1)
    records = fail(records, lambda r: 20.2 <= r.t < 20.4)
    m = measure(records, kill(20.2), end=records[-1].t + 0.05, base_window=(2, 20))
    assert m.units == 2 and m.bad_units == 1
    assert m.recovery == "recovered"
    assert m.time_to_recover == pytest.approx(20 + 2 / 3 - 20.2, abs=0.01)


def test_a_request_in_flight_at_the_kill_is_when_a_slow_stacks_customer_first_saw_it() -> None:
    """bench truth, slow stack: detection came one request (300 ms) late, because the first
    failure was a request started before the fault and units hold requests by start time."""
    records = steady(0, 40, rps=3, latency=0.3, users=1)  # starts at 20.0, 20.33, 20.67
    records = fail(records, lambda r: 19.9 <= r.t < 20.4)  # 20.0 (in flight) and 20.33
    m = measure(records, kill(20.2), end=40, base_window=(2, 19))
    assert m.time_to_detect == pytest.approx(20.3 - 20.2, abs=0.01)  # the 20.0 one's end
    assert m.errors == 2
    # a failure that ended before the fault was applied is not the fault's
    early = fail(steady(0, 40, rps=3, latency=0.3, users=1), lambda r: 19.6 <= r.t < 19.8)
    early = fail(early, lambda r: 20.3 <= r.t < 20.4)
    m = measure(early, kill(20.2), end=40, base_window=(2, 19))
    assert m.time_to_detect == pytest.approx(20.33 + 0.3 - 20.2, abs=0.01)


def test_a_failure_seen_only_in_a_request_in_flight_at_the_kill_is_an_impact() -> None:
    """bench truth, slow stack, 1 trial of 3 on 2026-12-01: the request in flight at the kill
    failed 100 ms after it and no later one did. Units hold requests by start, so no unit was
    bad: 'no_impact', time to recover 0, errors 0, and a `max_time_to_recover` or
    `max_errors_per_fault: 0` promise passed although a customer saw the fault."""
    records = steady(0, 40, rps=3, latency=0.3, users=1)
    records = fail(records, lambda r: 19.9 <= r.t < 20.1)  # only 20.0, in flight at 20.2
    m = measure(records, kill(20.2), end=40, base_window=(2, 19))
    assert m.recovery == "recovered"
    assert m.errors == 1
    assert m.time_to_detect == pytest.approx(20.3 - 20.2, abs=0.01)  # its end
    # back at the next request (20.33), known to that request's gap or duration
    assert m.time_to_recover == pytest.approx(20.333 - 20.2, abs=0.01)
    assert m.resolution_recover == pytest.approx(0.333, abs=0.01)


@pytest.mark.parametrize(("error_rate_abs", "impact"), [(0.001, True), (0.02, False)])
def test_a_failure_in_flight_at_the_fault_is_judged_as_one_inside_the_first_unit(
    error_rate_abs: float, impact: bool
) -> None:
    """The in-flight failures are judged as the first unit's, against the same error bound:
    one failure among 400 requests a second is an impact under a 0.1 % allowance and none
    under 2 %, wherever it falls."""
    tol = Tolerance(
        error_rate_abs=error_rate_abs, p95_factor=1.5, p95_slack=0.005, min_requests=5,
        significance=0.001,
    )  # fmt: skip
    steady_load = steady(0, 30, latency=0.05)  # 400 req/s, 20 requests in flight at a time
    for when in ((9.98, 9.9825), (10.2, 10.2025)):  # in flight at 10.0; inside the first unit
        records = fail(steady_load, lambda r, w=when: w[0] <= r.t < w[1])
        base = baseline(records, 2, 9)
        m = measure_fault(
            records, [r.t for r in records], kill(), 30, base, tol, unit=1.0, trial_end=30
        )
        assert (m.recovery != "no_impact") is impact, when
        assert m.errors == (1 if impact else 0), when


def test_requests_in_flight_at_the_fault_made_slow_by_it_are_an_impact() -> None:
    """A kill whose in-flight requests the load balancer retried elsewhere: every request in
    flight at the kill succeeded 2 s later, every later one was as fast as ever. Their
    customers waited 2 s; a first unit holding requests only by start never judged them and
    the fault read 'no impact'."""
    records = steady(0, 30, latency=0.2)  # 400 req/s, 80 requests in flight at a time
    records = slow(records, lambda r: 9.8 < r.t < 10.0, 2.0)  # 79 of them
    m = measure(records, kill(), end=30)
    assert m.recovery == "recovered"
    assert m.errors == 0
    assert m.time_to_detect == pytest.approx(9.8025 + 2.0 - 10.0, abs=0.01)  # first to end
    # new requests were served at once (from 10.0 on): back as soon as the impact was seen
    assert m.time_to_recover == pytest.approx(9.8025 + 2.0 - 10.0, abs=0.01)
    # pinned to the moment it was seen, and known as precisely (not to a good request's 0.2 s)
    assert m.resolution_recover == pytest.approx(m.resolution_detect)
    assert m.resolution_recover is not None and m.resolution_recover < 0.01
    # a handful of slow requests among 400 a second is the steady state's own noise
    few = slow(steady(0, 30, latency=0.2), lambda r: 9.97 < r.t < 9.98, 2.0)
    assert measure(few, kill(), end=30).recovery == "no_impact"


def test_a_unit_is_first_seen_bad_when_its_first_bad_request_ended_not_started() -> None:
    """A request that hangs until its timeout started first; later ones failed at once: the
    customers saw the fault when the first of those ended, not 5 s later."""
    records = steady(0, 30)
    records = fail(records, lambda r: 10.0 <= r.t < 10.0025, latency=5.0)  # 10.0: 5 s hang
    records = fail(records, lambda r: 10.0025 <= r.t < 10.5)
    m = measure(records, kill(10.0), end=30)
    assert m.time_to_detect == pytest.approx(0.0025 + 0.002, abs=0.001)


def test_a_short_tail_with_too_few_requests_is_not_evidence_of_recovery() -> None:
    records = steady(0, 20.2 + 10 / 3 + 1.0, rps=3, latency=0.3, users=1)
    records = fail(records, lambda r: 20.2 <= r.t < 20.4)
    m = measure(records, kill(20.2), end=records[-1].t + 0.05, base_window=(2, 20))
    assert m.units == 1  # a 1 s tail holds 3 requests: fewer than min_requests (5)
    assert m.recovery == "never"


def test_errors_in_the_last_instants_are_not_dropped_with_a_partial_unit() -> None:
    down = FaultWindow("x", "down", "payment", 10, 10, 12, 12)
    records = fail(steady(0, 15.5), lambda r: r.t >= 15.1)
    m = measure(records, down, end=15.5)
    assert m.recovery == "never"  # bad again in the 0.5 s after the last whole unit
    assert m.impact_spans[-1] == pytest.approx((15.0, 15.5))


def test_a_single_error_in_a_flaky_baseline_is_no_impact() -> None:
    records = fail(steady(0, 30), lambda r: r.user == 3 and int(r.t * 400) % 50 == 3)  # ~0.6 %
    tol = Tolerance(
        error_rate_abs=0.02, p95_factor=1.5, p95_slack=0.005, min_requests=5, significance=0.001
    )
    records.sort(key=lambda r: r.t)
    base = baseline(records, 2, 10)
    m = measure_fault(
        records, [r.t for r in records], kill(), 30, base, tol, unit=1.0, trial_end=30
    )
    assert m.recovery == "no_impact"


def test_overlapping_faults_share_their_impact_and_it_is_counted_once() -> None:
    records = sorted(fail(steady(0, 30), lambda r: 12 <= r.t < 16), key=lambda r: r.t)
    lat = FaultWindow("lat", "latency", "payment", 10, 10, 16, 16)
    k = kill(13.0)
    base = baseline(records, 2, 10)
    ends = span_ends([lat, k], 30)
    assert ends == [30, 30]
    starts = [r.t for r in records]
    ms = [
        (w.fault_id, measure_fault(records, starts, w, e, base, TOL, unit=1.0, trial_end=30))
        for w, e in zip([lat, k], ends, strict=True)
    ]
    out, impact = share(records, ms)
    assert out[0].errors == 1600  # 12..16
    # 13..16: everything in flight from its apply() on (one request was, at 12.9975)
    assert out[1].errors == 1201
    assert out[1].shared_errors == 1201 and out[0].shared_errors == 1201
    assert out[0].shared_with == ("kill",) and out[1].shared_with == ("lat",)
    assert impact.errors == 1600


def test_a_fault_that_never_recovers_before_the_next_one_is_cut_and_the_next_confounded() -> None:
    records = sorted(fail(steady(0, 40), lambda r: 12 <= r.t < 22), key=lambda r: r.t)
    a = FaultWindow("a", "down", "payment", 10, 10, 11, 11)
    b = FaultWindow("b", "down", "shipping", 20, 20, 21, 21)
    ends = span_ends([a, b], 40)
    assert ends == [20, 40]
    base = baseline(records, 2, 10)
    starts = [r.t for r in records]
    ms = [
        (w.fault_id, measure_fault(records, starts, w, e, base, TOL, unit=1.0, trial_end=40))
        for w, e in zip([a, b], ends, strict=True)
    ]
    out, _ = share(records, ms)
    assert out[0].recovery == "cut"
    assert out[1].confounded_by == ("a",)
    assert out[1].time_to_recover == pytest.approx(1.0, abs=0.01)  # 22 - t_revert 21


def test_lb_and_probe_detection() -> None:
    events = [
        BackendEvent(0, "shop-1", "UP"),
        BackendEvent(11.2, "shop-1", "DOWN", "UP"),
        BackendEvent(21.5, "shop-1", "UP", "DOWN"),
        BackendEvent(11.3, "shop-2", "DOWN", "UP"),
    ]
    assert lb_detection(events, 10.0, "shop-1") == (pytest.approx(1.2), pytest.approx(11.5))
    assert lb_detection(events, 10.0, None) == (None, None)
    probes = [ProbeSample(t / 20, 0.001, 200) for t in range(0, 400)]
    probes = [ProbeSample(p.t, p.duration, 503 if 10.5 <= p.t < 12 else 200) for p in probes]
    fail_after, ok_after = probe_detection(probes, 10.0)
    assert fail_after == pytest.approx(0.501)
    assert ok_after == pytest.approx(2.001)


def test_a_server_taken_out_while_a_slow_apply_runs_counts_as_detected_at_once() -> None:
    # docker kill returns only after the engine saw the exit: the LB may be quicker
    events = [BackendEvent(0, "shop-1", "UP"), BackendEvent(10.4, "shop-1", "DOWN", "UP")]
    assert lb_detection(events, 10.6, "shop-1") == (None, None)  # the old blind spot
    assert lb_detection(events, 10.6, "shop-1", since=10.0) == (0.0, None)
    probes = [ProbeSample(10.3, 0.01, 0), ProbeSample(12.0, 0.01, 200)]
    assert probe_detection(probes, 10.6, since=10.0) == (0.0, pytest.approx(1.41))


def test_delivered_over_offered_after_the_fault() -> None:
    records = steady(0, 10) + steady(10, 13, rps=200) + steady(13, 20)
    m = measure(records, kill(), end=20, horizon=3.0)
    assert m.delivered_ratio == pytest.approx(0.5, abs=0.01)


def test_recovery_on_100k_records() -> None:
    """Units over 100k records (their speed is measured in bench/, not asserted here)."""
    records = fail(steady(0, 250), lambda r: 100 <= r.t < 200 and r.user % 2 == 0)
    assert len(records) == 100_000
    down = FaultWindow("d", "down", "payment", 100, 100, 200, 200)
    m = measure(records, down, end=250, base_window=(0, 100))
    # at 400 req/s one failure in a window (0.25 %) is outside the 0.1 % tolerance
    assert m.time_to_recover == pytest.approx(0.0, abs=0.01)
    assert m.errors == 20_000


def test_a_self_healing_faults_revert_is_judged_apart() -> None:
    """A kill the load balancer hides, then the replica restarted at 16 s answering slowly for
    a second while it warms up: the kill itself had no impact; the revert settled 1.2 s after."""
    records = slow(steady(0, 30), lambda r: 16.0 <= r.t < 17.2, 0.05)
    m = measure(records, kill(10.0, revert=16.0), end=30)
    assert m.recovery == "no_impact"
    assert m.time_to_recover == 0.0
    assert m.settle == "recovered"
    assert m.time_to_settle == pytest.approx(1.2, abs=0.01)
    assert m.judged_until is not None and m.judged_until <= 16.0


def test_a_self_healing_fault_not_recovered_before_its_revert_is_never() -> None:
    records = fail(steady(0, 30), lambda r: 10.0 <= r.t < 16.5)
    m = measure(records, kill(10.0, revert=16.0), end=30)
    assert m.recovery == "never"  # not while it was in force
    assert m.settle == "recovered"
    assert m.errors == int(6.5 * 400)  # the whole impact, the revert's part too


def test_a_rare_slow_request_type_is_judged_by_its_own_latency_not_the_pages() -> None:
    """Fast pages and a few slow checkouts (fewer than 20 in the baseline): a checkout is not
    a slow page. Judged against the pages' bound, every second with a checkout read as slow."""
    pages = steady(0, 30, rps=150, latency=0.015)
    checkouts = steady(0.3, 30, rps=1.5, latency=0.2, name="POST /checkout")
    nothing = FaultWindow("lat", "latency", "shipping", 10, 10, 15, 15)
    m = measure(pages + checkouts, nothing, end=30)
    assert m.recovery == "no_impact", m.impact_spans

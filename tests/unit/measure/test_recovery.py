import pytest

from harness.measure.baseline import Tolerance, baseline, within
from harness.measure.recovery import (
    lb_detection,
    measure_fault,
    probe_detection,
    time_to_detect,
    time_to_recover,
)
from harness.measure.timeline import BackendEvent, FaultWindow, ProbeSample, RequestRecord

from .timelines import fail, steady


def _kill_timeline() -> list[RequestRecord]:
    """400 req/s; a kill at t=10: 18 requests of users 0..5 fail between 10.0 and 15.7."""
    records = steady(0, 30)
    victims = [r for r in records if 10.0 <= r.t < 15.7 and r.user < 6][::40][:18]
    ids = {id(r) for r in victims}
    return fail(records, lambda r: id(r) in ids)


def test_baseline_of_steady_state() -> None:
    base = baseline(steady(0, 10), 2, 10)
    assert base.rps == pytest.approx(400)
    assert base.error_rate == 0
    assert base.p95 == pytest.approx(0.002)
    assert base.users == 16


def test_within_tolerance_rules() -> None:
    base = baseline(steady(0, 10), 0, 10)
    tol = Tolerance()
    assert within(base, tol, error_rate=0.001, p95=0.0079, requests=100)
    assert not within(base, tol, error_rate=0.002, p95=0.002, requests=100)
    assert not within(base, tol, error_rate=0.0, p95=0.0081, requests=100)
    assert not within(base, tol, error_rate=0.0, p95=0.002, requests=4)


def test_kill_detected_at_first_failure_and_recovered_after_last() -> None:
    records = _kill_timeline()
    failed = [r for r in records if r.failed]
    assert len(failed) == 18
    base = baseline(records, 2, 10)
    fault = FaultWindow("kill", "kill", "shop-1", 9.999, 10.0, 20.0, 20.001, self_healing=True)
    m = measure_fault(records, fault, base, Tolerance(), window=1.0, end=30.0)
    assert m.time_to_detect == pytest.approx(failed[0].end - 10.0)
    # the first clean 1 s window starts at the first request after the last failure
    after_last = next(r.t for r in records if r.t > failed[-1].t)
    assert m.time_to_recover == pytest.approx(after_last - 10.0)
    assert m.errors == 18
    assert m.users_affected == len({r.user for r in failed})
    assert m.users_active == 16
    assert m.users_affected_share == pytest.approx(m.users_affected / 16)


def test_payment_outage_errors_only_while_it_lasts() -> None:
    records = steady(0, 10) + steady(10, 40, name="GET /products")
    checkouts = steady(0, 40, rps=40, name="POST /checkout", latency=0.03)
    records = sorted(records + fail(checkouts, lambda r: 10.0 <= r.t < 30.0), key=lambda r: r.t)
    base = baseline(records, 2, 10)
    fault = FaultWindow("down", "down", "payment", 9.999, 10.0, 29.999, 30.0)
    m = measure_fault(records, fault, base, Tolerance(), window=1.0, end=40.0)
    assert m.errors == 800  # 20 s x 40 checkouts/s
    # measured from t_revert (the fault must be lifted): the next request starts a clean window
    assert m.time_to_recover == pytest.approx(0.0, abs=0.01)
    assert m.availability == pytest.approx(1 - 800 / (20 * 440), rel=1e-3)


def test_never_recovering_fault_has_no_time_to_recover() -> None:
    records = fail(steady(0, 20), lambda r: r.t >= 10)
    base = baseline(records, 2, 10)
    fault = FaultWindow("x", "down", "payment", 10, 10, 12, 12)
    assert time_to_recover(records, 12, base, Tolerance(), window=1.0, end=20) is None
    m = measure_fault(records, fault, base, Tolerance(), end=20)
    assert m.time_to_recover is None
    assert m.impact_end == 20


def test_latency_fault_is_detected_through_the_slo() -> None:
    records = [*steady(0, 10), RequestRecord(10.5, 2.0, "POST /checkout", 201, None, 3)]
    assert time_to_detect(records, 10.0) is None
    assert time_to_detect(records, 10.0, latency_slo=1.0) == pytest.approx(2.5)


def test_window_running_past_the_data_is_not_a_candidate() -> None:
    records = steady(0, 10.5)
    base = baseline(records, 0, 10)
    assert time_to_recover(records, 10.0, base, Tolerance(), window=1.0, end=10.5) is None


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
    base = baseline(records, 0, 10)
    fault = FaultWindow("k", "kill", "shop-1", 10, 10, None, None, self_healing=True)
    m = measure_fault(records, fault, base, Tolerance(), horizon=3.0, end=20)
    assert m.delivered_ratio == pytest.approx(0.5, abs=0.01)


def test_recovery_on_100k_records() -> None:
    """Two pointers over 100k records (its speed is measured in bench/, not asserted here)."""
    records = fail(steady(0, 250), lambda r: 100 <= r.t < 200 and r.user % 2 == 0)
    assert len(records) == 100_000
    base = baseline(records, 0, 100)
    ttr = time_to_recover(records, 100.0, base, Tolerance(), window=1.0, end=250)
    # at 400 req/s one failure in a 1 s window (0.25 %) is outside the 0.1 % tolerance
    assert ttr == pytest.approx(100.0, abs=0.01)

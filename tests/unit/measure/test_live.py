import pytest

from harness.measure.live import BreachTracker, RollingWindow
from harness.measure.timeline import RequestRecord


def test_rolling_window_counts_answers_of_the_last_width_seconds() -> None:
    w = RollingWindow(1.0)
    for i in range(100):
        t = i / 50  # 50 req/s over 2 s, every 4th failing
        w.add(RequestRecord(t, 0.01, "x", 503 if i % 4 == 0 else 200, None, 1))
    now = 2.0
    assert w.count(now) == 50
    assert w.rps(now) == pytest.approx(50)
    assert w.error_rate(now) == pytest.approx(12 / 50)  # answers ending in [1, 2]
    assert w.p95(now) == pytest.approx(0.01)


def test_an_answer_out_of_order_ages_out_too() -> None:
    w = RollingWindow(1.0)
    w.add(RequestRecord(5.0, 0.1, "x", 200, None, 1))
    w.add(RequestRecord(1.0, 0.1, "x", 503, None, 1))  # arrived late, ended long ago
    assert w.count(5.5) == 1
    assert w.error_rate(5.5) == 0


def test_empty_window() -> None:
    w = RollingWindow(1.0)
    assert w.error_rate(5) is None
    assert w.p95(5) is None
    assert w.rps(5) == 0


def test_breach_must_hold_continuously() -> None:
    b = BreachTracker(5.0)
    assert not b.update(0, True)
    assert not b.update(4.9, True)
    assert not b.update(5.0, False)  # broken: starts again
    assert not b.update(6.0, True)
    assert b.update(11.0, True)

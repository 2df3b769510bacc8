import pytest

from harness.measure.stats import median_ci_ranks, percentile, summarize


def test_percentile_interpolates_like_numpy() -> None:
    values = [1.0, 2.0, 3.0, 4.0]
    assert percentile(values, 50) == pytest.approx(2.5)
    assert percentile(values, 0) == 1.0
    assert percentile(values, 100) == 4.0
    assert percentile(values, 95) == pytest.approx(3.85)


def test_percentile_of_nothing_is_none_and_q_is_checked() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_median_interval_needs_six_values_for_95_percent() -> None:
    assert median_ci_ranks(5) == (None, None)
    assert median_ci_ranks(6) == (0, 5)  # coverage 1 - 2/64 = 0.969
    assert median_ci_ranks(20) == (5, 14)  # the textbook ranks 6 and 15 (1-based)


def test_summarize_counts_missing_trials_separately() -> None:
    d = summarize([1.0, None, 3.0, 2.0])
    assert d.n == 4
    assert d.missing == 1
    assert d.median == 2.0
    assert (d.min, d.max) == (1.0, 3.0)
    assert not d.ci_exact
    assert (d.ci_low, d.ci_high) == (1.0, 3.0)


def test_summarize_exact_interval() -> None:
    d = summarize([float(v) for v in range(1, 21)])
    assert d.ci_exact
    assert (d.ci_low, d.ci_high) == (6.0, 15.0)
    assert d.p90 == pytest.approx(18.1)


def test_summarize_all_missing() -> None:
    d = summarize([None, None])
    assert d.median is None
    assert d.missing == 2

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.measure.stats import (
    median_ci_ranks,
    merged_sorted,
    percentile,
    request_stats,
    summarize,
)
from harness.measure.timeline import RequestRecord


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


@given(st.lists(st.lists(st.floats(0, 5, allow_nan=False)), max_size=6))
def test_sorted_lists_merged_are_their_values_sorted(lists: list[list[float]]) -> None:
    runs = [sorted(values) for values in lists]
    assert merged_sorted(runs) == sorted(v for values in lists for v in values)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["GET /a", "GET /b", "POST /c"]),
            st.floats(0.001, 3, allow_nan=False),
            st.sampled_from([200, 200, 503, 0]),
        ),
        max_size=80,
    )
)
def test_the_whole_trials_stats_from_its_names_are_those_of_all_its_requests(
    rows: list[tuple[str, float, int]],
) -> None:
    """assess() merges each name's sorted latencies into the trial's: the same figures as
    request_stats over every request at once."""
    from harness.measure.assess import _request_stats

    records = tuple(RequestRecord(i * 0.01, d, n, s, None, 1) for i, (n, d, s) in enumerate(rows))
    after = records[len(records) // 3 :]
    overall, by_name = _request_stats(records, after, 2.0)
    assert overall == request_stats("all", after, 2.0)
    names = sorted({r.name for r in records})
    assert [b.name for b in by_name] == names
    assert by_name == tuple(request_stats(n, [r for r in after if r.name == n], 2.0) for n in names)

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.measure.buckets import bucketize
from harness.measure.timeline import RequestRecord

from .timelines import fail, steady


def test_buckets_count_rate_and_errors() -> None:
    records = fail(steady(0, 2, rps=100), lambda r: 1.0 <= r.t < 1.5)
    buckets = bucketize(records, 0, 2, 0.5)
    assert [b.requests for b in buckets] == [50, 50, 50, 50]
    assert [b.failures for b in buckets] == [0, 0, 50, 0]
    assert buckets[2].error_rate == 1.0
    assert buckets[0].rps == pytest.approx(100)
    assert buckets[0].p95 == pytest.approx(0.002)


def test_empty_buckets_are_kept_with_zeros() -> None:
    records = [
        RequestRecord(0.1, 0.01, "x", 200, None, 1),
        RequestRecord(2.2, 0.02, "x", 200, None, 1),
    ]
    buckets = bucketize(records, 0, 3, 1)
    assert [b.requests for b in buckets] == [1, 0, 1]
    assert buckets[1].error_rate is None and buckets[1].p95 is None
    assert [b.t for b in buckets] == [0, 1, 2]


def test_edges_go_to_the_later_bucket_and_outside_is_dropped() -> None:
    records = [RequestRecord(t, 0.001, "x", 200, None, 1) for t in (-0.1, 0.0, 1.0, 1.999, 2.0)]
    assert [b.requests for b in bucketize(records, 0, 2, 1)] == [1, 2]


def test_float_edges_land_in_the_right_bucket() -> None:
    records = [RequestRecord(t, 0.001, "x", 200, None, 1) for t in (0.3, 0.7)]
    assert [b.requests for b in bucketize(records, 0, 1, 0.1)] == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]


def test_width_must_be_positive() -> None:
    with pytest.raises(ValueError):
        bucketize([], 0, 1, 0)


def test_float_edges_land_in_the_same_bucket_by_slice() -> None:
    records = [RequestRecord(t, 0.001, "x", 200, None, 1) for t in (0.3, 0.7)]
    got = bucketize(records, 0, 1, 0.1, [r.t for r in records])
    assert [b.requests for b in got] == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]


@given(
    st.lists(
        st.tuples(
            st.floats(-2, 12, allow_nan=False),
            st.sampled_from([0.001, 0.5]),
            st.sampled_from([200, 503]),
        ),
        max_size=60,
    ),
    st.sampled_from([0.1, 0.25, 0.5, 1.0, 0.3]),
    st.floats(0, 10, allow_nan=False),
)
def test_slices_of_sorted_records_make_the_buckets_a_scan_makes(
    rows: list[tuple[float, float, int]], width: float, end: float
) -> None:
    """assess() hands bucketize the sorted starts (a slice a bucket); the scan is the
    definition. Start times on the edges too: multiples of the width, as a rate makes them."""
    edges = [round(k * width, 10) for k in range(12)]
    rows = rows + [(t, 0.001, 200) for t in edges]
    records = sorted((RequestRecord(t, d, "x", s, None, 1) for t, d, s in rows), key=lambda r: r.t)
    starts = [r.t for r in records]
    assert bucketize(records, 0, end, width, starts) == bucketize(records, 0, end, width)

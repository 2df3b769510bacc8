import pytest

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

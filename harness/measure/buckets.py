"""Throughput, error rate and latency percentiles per time bucket (by request start time).

Latency percentiles are of successful requests (docs/metrics.md); `requests` counts all."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass

from harness.measure.stats import percentile_sorted
from harness.measure.timeline import RequestRecord


@dataclass(frozen=True)
class Bucket:
    t: float  # bucket start
    width: float
    requests: int
    failures: int
    rps: float
    error_rate: float | None
    p50: float | None
    p95: float | None
    p99: float | None


def bucketize(
    records: Sequence[RequestRecord],
    start: float,
    end: float,
    width: float,
    starts: Sequence[float] | None = None,
) -> list[Bucket]:
    """Buckets [start + i*width, start + (i+1)*width) up to `end`; empty ones included.
    `starts`: the records' start times when they are sorted by it, so each bucket is a slice
    (a trial of millions: no arithmetic a record) rather than a scan."""
    if width <= 0:
        raise ValueError("bucket width must be > 0")
    n = max(0, int((end - start) / width + 0.999999))
    if starts is None:
        return [
            _bucket(start, width, i, group)
            for i, group in enumerate(_scan(records, start, n, width))
        ]
    out = []
    # a record is in bucket i when floor((t - start) / width + 1e-9) == i, as _scan says: a
    # hair of slack, since (0.3 - 0) / 0.1 is 2.9999999999999996
    edges = [bisect.bisect_left(starts, start + (i - 1e-9) * width) for i in range(n + 1)]
    for i in range(n):
        out.append(_bucket(start, width, i, records[edges[i] : edges[i + 1]]))
    return out


def _scan(
    records: Sequence[RequestRecord], start: float, n: int, width: float
) -> list[list[RequestRecord]]:
    groups: list[list[RequestRecord]] = [[] for _ in range(n)]
    for r in records:
        i = math.floor((r.t - start) / width + 1e-9)
        if 0 <= i < n:
            groups[i].append(r)
    return groups


def _bucket(start: float, width: float, i: int, group: Sequence[RequestRecord]) -> Bucket:
    d = [r.duration for r in group if not r.failed]
    d.sort()
    count = len(group)
    failures = count - len(d)
    return Bucket(
        t=start + i * width,
        width=width,
        requests=count,
        failures=failures,
        rps=count / width,
        error_rate=failures / count if count else None,
        p50=percentile_sorted(d, 50),
        p95=percentile_sorted(d, 95),
        p99=percentile_sorted(d, 99),
    )

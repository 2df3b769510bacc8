"""Throughput, error rate and latency percentiles per time bucket (by request start time).

Latency percentiles are of successful requests (docs/metrics.md); `requests` counts all."""

from __future__ import annotations

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
    records: Sequence[RequestRecord], start: float, end: float, width: float
) -> list[Bucket]:
    """Buckets [start + i*width, start + (i+1)*width) up to `end`; empty ones included."""
    if width <= 0:
        raise ValueError("bucket width must be > 0")
    n = max(0, int((end - start) / width + 0.999999))
    durations: list[list[float]] = [[] for _ in range(n)]
    counts = [0] * n
    failures = [0] * n
    for r in records:
        # floor of the quotient with a hair of slack: (0.3 - 0) / 0.1 is 2.9999999999999996
        i = math.floor((r.t - start) / width + 1e-9)
        if 0 <= i < n:
            counts[i] += 1
            if r.failed:
                failures[i] += 1
            else:
                durations[i].append(r.duration)
    out = []
    for i in range(n):
        d = sorted(durations[i])
        count = counts[i]
        out.append(
            Bucket(
                t=start + i * width,
                width=width,
                requests=count,
                failures=failures[i],
                rps=count / width,
                error_rate=failures[i] / count if count else None,
                p50=percentile_sorted(d, 50),
                p95=percentile_sorted(d, 95),
                p99=percentile_sorted(d, 99),
            )
        )
    return out

"""Synthetic timelines with known answers, for the measurement tests."""

from __future__ import annotations

from harness.measure.timeline import RequestRecord


def steady(
    start: float,
    end: float,
    *,
    rps: float = 400.0,
    latency: float = 0.002,
    users: int = 16,
    name: str = "GET /products",
) -> list[RequestRecord]:
    """Evenly spaced successful requests, users taking turns."""
    out = []
    step = 1.0 / rps
    i = 0
    t = start
    while t < end:
        out.append(RequestRecord(t, latency, name, 200, None, i % users))
        i += 1
        t = start + i * step
    return out


def fail(
    records: list[RequestRecord],
    pred: object,
    status: int = 503,
    latency: float | None = None,
) -> list[RequestRecord]:
    """Mark the records for which pred(record) is true as failed with `status` (taking
    `latency` seconds, if given)."""
    out = []
    for r in records:
        if pred(r):  # type: ignore[operator]
            d = r.duration if latency is None else latency
            out.append(RequestRecord(r.t, d, r.name, status, None, r.user))
        else:
            out.append(r)
    return out


def slow(records: list[RequestRecord], pred: object, latency: float) -> list[RequestRecord]:
    """Make the records for which pred(record) is true take `latency` seconds."""
    return [
        RequestRecord(r.t, latency, r.name, r.status, r.error, r.user) if pred(r) else r  # type: ignore[operator]
        for r in records
    ]

"""Formatting shared by every renderer (one place decides how a duration or a rate reads)."""

from __future__ import annotations

import datetime as dt

DASH = "\u2013"  # shown for "no value"
TIMES = "\u00d7"


def seconds(v: float | None) -> str:
    if v is None:
        return DASH
    if abs(v) < 1:
        return f"{v * 1000:.0f} ms"
    return f"{v:.2f} s" if abs(v) < 60 else f"{v / 60:.1f} min"


def rate(v: float | None) -> str:
    return DASH if v is None else f"{v * 100:.2f} %"


def ratio(v: float | None) -> str:
    return DASH if v is None else f"{v:.2f}{TIMES}"


def number(v: float | None) -> str:
    return DASH if v is None else f"{v:,.0f}"


def when(epoch: float | None) -> str:
    if epoch is None:
        return DASH
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def at(t: float | None) -> str:
    """A time inside a trial, relative to its t0."""
    return DASH if t is None else f"t={t:.2f} s"

"""Formatting shared by the terminal and every report: one place decides how a duration, a
rate or a recovery reads."""

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


def moment(v: float | None, resolution: float | None) -> str:
    """A measured time with how precisely it is known: "1.24 s ± 3 ms"."""
    if v is None:
        return DASH
    if resolution is None or resolution < 0.0005:
        return seconds(v)
    return f"{seconds(v)} \u00b1 {seconds(resolution)}"


RECOVERY_WORDS = {
    "no_impact": "no impact",
    "never": "never recovered",
    "cut": "not before the next fault",
    "unknown": "no evidence",
}


def recovery(kind: str, ttr: float | None, resolution: float | None) -> str:
    """Time to recover as people read it: a time, or what its absence means (never a dash)."""
    if kind == "recovered":
        return moment(ttr, resolution)
    return RECOVERY_WORDS.get(kind, kind)


def detection(kind: str, ttd: float | None, resolution: float | None) -> str:
    if ttd is not None:
        return moment(ttd, resolution)
    return "no impact" if kind == "no_impact" else RECOVERY_WORDS.get(kind, DASH)

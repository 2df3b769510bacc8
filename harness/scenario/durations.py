"""Durations as people write them in scenario files: "500ms", "20s", "1m30s", "1.5s".

A Duration is finite and at most MAX_DURATION (7 days): `9999999999999h`, `.inf` or a number
too large for a float are errors that say so, not a trial that never ends.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

MAX_DURATION = 7 * 24 * 3600.0
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_EXAMPLE = "write e.g. '500ms', '20s' or '1m30s'"


def parse_duration(value: object) -> float:
    """Seconds from "500ms" / "20s" / "1m30s", or a bare number of seconds; ValueError (with an
    example) for anything else, for a negative, infinite or NaN number, and past MAX_DURATION."""
    if isinstance(value, bool):
        raise ValueError("a duration like '500ms' or '20s', not true/false")
    if isinstance(value, int | float):
        return _bounded(value, value)
    if not isinstance(value, str):
        raise ValueError(f"a duration like '500ms' or '20s', not {type(value).__name__}")
    shown = _shown(value)
    text = value.strip().replace(" ", "")
    if len(text) > 40:
        raise ValueError(f"'{shown}' is not a duration: {_EXAMPLE}")
    pos = 0
    total = 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"'{shown}' is not a duration: {_EXAMPLE}")
    return _bounded(total, value)


def _bounded(seconds: float, given: object) -> float:
    if isinstance(seconds, int) and seconds > MAX_DURATION:  # before float(): 10**400 overflows
        seconds = math.inf
    seconds = float(seconds)
    if math.isnan(seconds):
        raise ValueError(f"'{_shown(given)}' is not a duration: {_EXAMPLE}")
    if seconds < 0:
        raise ValueError(f"'{_shown(given)}' is negative: a duration is 0 or more")
    if seconds > MAX_DURATION:
        raise ValueError(
            f"'{_shown(given)}' is longer than {format_duration(MAX_DURATION)}, the longest "
            "duration allowed"
        )
    return seconds


def _shown(value: object) -> str:
    text = str(value)
    return text if len(text) <= 40 and text.isprintable() else repr(text[:40])[1:-1] + "…"


def format_duration(seconds: float) -> str:
    if seconds < 1 and seconds != 0:
        return f"{seconds * 1000:g}ms"
    if seconds < 60 or seconds % 60:
        return f"{seconds:g}s"
    if seconds < 3600 or seconds % 3600:
        return f"{seconds / 60:g}m"
    return f"{seconds / 3600:g}h"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
"""Seconds, written as a duration; finite, >= 0 and at most MAX_DURATION. A field adds its own
lower bound where it is stricter (`Field(gt=0)`)."""

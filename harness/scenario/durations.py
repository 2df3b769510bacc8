"""Durations as people write them in scenario files: "500ms", "20s", "1m30s", "1.5s"."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(value: object) -> float:
    """Seconds from "500ms" / "20s" / "1m30s", or a bare number of seconds."""
    if isinstance(value, bool):
        raise ValueError("a duration like '500ms' or '20s', not true/false")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"a duration like '500ms' or '20s', not {type(value).__name__}")
    text = value.strip().replace(" ", "")
    pos = 0
    total = 0.0
    for m in _PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise ValueError(f"'{value}' is not a duration: write e.g. '500ms', '20s' or '1m30s'")
    return total


def format_duration(seconds: float) -> str:
    if seconds < 1 and seconds != 0:
        return f"{seconds * 1000:g}ms"
    if seconds < 60 or seconds % 60:
        return f"{seconds:g}s"
    return f"{seconds / 60:g}m"


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]

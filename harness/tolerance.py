"""A value checked against a tolerance, as the Chaos Toolkit's steady-state probes are: exact,
range, regex, or a JSONPath (jsonpath-ng) into the value followed by any of those.

Used by probes (a python probe's return value, an http probe's JSON answer). Checked at load
time (a bad regex or JSONPath is a located error) and pure at run time.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


@lru_cache(maxsize=256)
def _jsonpath(expr: str) -> Any:
    from jsonpath_ng.ext.parser import parse  # filters and arithmetic, as the Chaos Toolkit allows

    return parse(expr)


def select(expr: str, value: Any) -> list[Any]:
    """Every value a JSONPath selects in `value`."""
    return [m.value for m in _jsonpath(expr).find(value)]


class ValueCheck(BaseModel):
    """`{exact: 3}`, `{range: [0, 100]}`, `{regex: '^ok'}`, `{jsonpath: '$.status',
    exact: confirmed}`. With `jsonpath` alone: the path must match something."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    jsonpath: str | None = Field(default=None, description="select from the value first")
    exact: Any = Field(default=None, description="equal to this (null too, when written)")
    range: tuple[float, float] | None = Field(default=None, description="[low, high], inclusive")
    regex: str | None = Field(default=None, description="matches str(value) (re.search)")

    @field_validator("jsonpath")
    @classmethod
    def _parses(cls, expr: str | None) -> str | None:
        if expr is not None:
            try:
                _jsonpath(expr)
            except Exception as e:  # jsonpath-ng raises plain Exceptions for bad syntax
                raise ValueError(f"not a JSONPath: {expr!r} ({e})") from e
        return expr

    @field_validator("regex")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as e:
                raise ValueError(f"not a regular expression: {pattern!r} ({e})") from e
        return pattern

    @field_validator("range")
    @classmethod
    def _ordered(cls, r: tuple[float, float] | None) -> tuple[float, float] | None:
        if r is not None and r[0] > r[1]:
            raise ValueError("range: write [low, high] with low <= high")
        return r

    @model_validator(mode="after")
    def _something(self) -> ValueCheck:
        if self.jsonpath is None and not self._has_comparison():
            raise ValueError("give `exact`, `range`, `regex` or `jsonpath`")
        return self

    def _has_comparison(self) -> bool:
        return self._has_exact() or self.range is not None or self.regex is not None

    def _has_exact(self) -> bool:
        return "exact" in self.model_fields_set

    def describe(self) -> str:
        parts = []
        if self._has_exact():
            parts.append(f"= {json.dumps(self.exact)}")
        if self.range is not None:
            parts.append(f"in [{self.range[0]:g}, {self.range[1]:g}]")
        if self.regex is not None:
            parts.append(f"~ /{self.regex}/")
        what = " and ".join(parts) or "matches"
        return f"{self.jsonpath} {what}" if self.jsonpath else what

    def failure(self, value: Any) -> str | None:
        """Why `value` is out of tolerance, or None when it is within."""
        if self.jsonpath is not None:
            found = select(self.jsonpath, value)
            if not found:
                return f"{self.jsonpath} matched nothing"
            if not self._has_comparison():
                return None
            bad = [why for v in found if (why := self._compare(v)) is not None]
            return f"{self.jsonpath}: {bad[0]}" if bad else None
        return self._compare(value)

    def _compare(self, value: Any) -> str | None:
        shown = short(value)
        if self._has_exact() and value != self.exact:
            return f"{shown} is not {json.dumps(self.exact)}"
        if self.range is not None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"{shown} is not a number"
            if not self.range[0] <= value <= self.range[1]:
                return f"{shown} is outside [{self.range[0]:g}, {self.range[1]:g}]"
        if self.regex is not None and re.search(self.regex, str(value)) is None:
            return f"{shown} does not match /{self.regex}/"
        return None


def short(value: Any, limit: int = 60) -> str:
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"

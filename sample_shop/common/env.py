"""Settings from environment variables, with errors that name the variable."""

from __future__ import annotations

import os

_ON = frozenset({"on", "1", "true", "yes"})
_OFF = frozenset({"off", "0", "false", "no"})


class SettingError(ValueError):
    """An environment variable is missing or has a value we cannot use."""


def _raw(name: str) -> str | None:
    raw = os.environ.get(name)
    return None if raw is None or raw.strip() == "" else raw.strip()


def parse_switch(name: str, raw: str) -> bool:
    """`on`/`off` (also 1/0, true/false, yes/no) -> bool; anything else names `name`."""
    value = raw.strip().lower()
    if value in _ON:
        return True
    if value in _OFF:
        return False
    raise SettingError(f"{name}={raw!r}: write on or off")


def switch(name: str, default: bool) -> bool:
    raw = _raw(name)
    return default if raw is None else parse_switch(name, raw)


def number(name: str, default: float, *, minimum: float = 0.0) -> float:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise SettingError(f"{name}={raw!r}: not a number") from e
    if value < minimum:
        raise SettingError(f"{name}={raw!r}: must be at least {minimum:g}")
    return value


def integer(name: str, default: int, *, minimum: int = 0) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise SettingError(f"{name}={raw!r}: not a whole number") from e
    if value < minimum:
        raise SettingError(f"{name}={raw!r}: must be at least {minimum}")
    return value


def text(name: str, default: str | None = None) -> str:
    raw = _raw(name)
    if raw is not None:
        return raw
    if default is None:
        raise SettingError(f"{name} is not set")
    return default


def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = text(name, default).lower()
    if value not in allowed:
        raise SettingError(f"{name}={value!r}: write one of {', '.join(allowed)}")
    return value

"""Read settings from environment variables with errors that name the variable."""

from __future__ import annotations

import os

_TRUE = {"1", "on", "true", "yes"}
_FALSE = {"0", "off", "false", "no"}


class SettingError(ValueError):
    pass


def flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingError(f"{name}={raw!r}: write on or off")


def number(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as e:
        raise SettingError(f"{name}={raw!r}: not a number") from e


def text(name: str, default: str | None = None) -> str:
    raw = os.environ.get(name)
    if raw:
        return raw
    if default is None:
        raise SettingError(f"{name} is not set")
    return default

"""Paths inside a document (`faults[1].duration`) and values cut to a readable length."""

from __future__ import annotations

import re
from typing import Any

Loc = tuple[Any, ...]  # keys (usually str) and list indexes from the document's root

MAX_SHOWN = 60  # characters of a user's value shown in a message
MAX_KEY = 40  # characters of a key shown in a path
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_-]+")


def shorten(value: object, limit: int = MAX_SHOWN) -> str:
    """`value` as text, cut to `limit` characters with the full length said: a 3 MB name is not
    echoed back whole."""
    text = value if isinstance(value, str) else repr(value)
    if not text.isprintable():  # a newline or control character would break the message's lines
        text = repr(text)[1:-1]
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}… ({len(text)} characters)"


def render_loc(loc: Loc) -> str:
    """`faults[1].duration`; keys that are not plain words are quoted: `services["../x"]`."""
    out = ""
    for step in loc:
        if isinstance(step, int) and not isinstance(step, bool):
            out += f"[{step}]"
        elif isinstance(step, str) and len(step) <= MAX_KEY and _PLAIN_KEY.fullmatch(step):
            out += f".{step}" if out else step
        else:
            out += "[" + _quoted(step) + "]"
    return out


def _quoted(step: object) -> str:
    text = shorten(step, MAX_KEY)
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

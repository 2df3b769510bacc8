"""pydantic's validation errors as located problems: `faults[1].duration: must be > 0` at its
line, with a hint (the closest known key, the valid types of a tagged union and its form), and
every value a message repeats cut to a readable length."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from harness._yaml import models
from harness._yaml.locs import MAX_SHOWN, Loc, render_loc, shorten
from harness.errors import Problem

MAX_MESSAGE = 300


def problems_from(
    error: ValidationError,
    data: Any,
    lines: dict[Loc, int],
    model: type[BaseModel],
    skip: Iterable[Loc] = (),
) -> list[tuple[Loc, Problem]]:
    """One problem per error, except under `skip` (places already refused while reading)."""
    refused = set(skip)
    out: list[tuple[Loc, Problem]] = []
    for err in error.errors(include_url=False):
        raw = tuple(err["loc"])
        is_key = bool(raw) and raw[-1] == "[key]"
        loc = data_loc(raw[:-1] if is_key else raw, data, missing=err["type"] == "missing")
        if any(loc[:n] in refused for n in range(len(loc) + 1)):
            continue
        message, hint = _explain(err, loc, data, model)
        out.append((loc, Problem(render_loc(loc), message, nearest_line(loc, lines), hint)))
    return out


def data_loc(loc: Loc, data: Any, *, missing: bool) -> Loc:
    """Drop pydantic's union tags from `loc`, keeping only steps that exist in the document."""
    out: list[Any] = []
    cur = data
    for i, step in enumerate(loc):
        if isinstance(cur, dict) and cur.get("type") == step and i < len(loc) - 1:
            continue  # a tagged union's tag (our unions are tagged by `type`), not a key
        found, child = models.child(cur, step)
        if found:
            out.append(step)
            cur = child
        elif i == len(loc) - 1 and (missing or isinstance(cur, dict)):
            out.append(step)
    return tuple(out)


def nearest_line(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _explain(err: Any, loc: Loc, data: Any, model: type[BaseModel]) -> tuple[str, str | None]:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    if kind in ("union_tag_not_found", "union_tag_invalid"):
        return _union_tag(err, loc, data, model)
    if kind == "extra_forbidden":
        return "unknown key", _closest_key(loc, data, model)
    if kind == "missing":
        return "required key is missing", ctx.get("hint")
    if kind in _EXPECTED:
        value = err.get("input")
        hint = _tag_form(str(value), loc, data, model) if isinstance(value, str) else None
        return f"expected {_EXPECTED[kind]}, not {_kind_of(value)}", hint or ctx.get("hint")
    if kind in _BOUNDS:
        bound = next(iter(ctx.values()), "?")
        shown = f"{bound:g}" if isinstance(bound, float) else str(bound)
        return f"must be {_BOUNDS[kind]} {shown}, not {shorten(err.get('input'))}", None
    message = str(err["msg"]).removeprefix("Value error, ")
    value = err.get("input")
    if isinstance(value, str) and len(value) > MAX_SHOWN:
        message = message.replace(value, shorten(value))
    hint = ctx.get("hint")
    return shorten(message, MAX_MESSAGE), str(hint) if hint is not None else None


_BOUNDS = {
    "less_than_equal": "at most",
    "less_than": "less than",
    "greater_than_equal": "at least",
    "greater_than": "more than",
}
_EXPECTED = {
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "dict_type": "a mapping (key: value)",
    "list_type": "a list (- item)",
    "string_type": "text",
}


def _kind_of(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    for kind, label in ((int | float, "the number"), (str, "the text")):
        if isinstance(value, kind):
            return f"{label} '{shorten(value)}'"
    names: dict[type, str] = {dict: "a mapping", list: "a list"}
    return names.get(type(value), type(value).__name__)


def _union_tag(err: Any, loc: Loc, data: Any, model: type[BaseModel]) -> tuple[str, str | None]:
    ctx = err.get("ctx") or {}
    key = str(ctx.get("discriminator", "type")).strip("'")
    tags = models.union_tags(model, loc, data, key) or [
        str(t) for t in ctx.get("expected_tags", [])
    ]
    listed = f"{key}s: {', '.join(tags)}"
    value = models.child_at(data, loc)
    if err["type"] == "union_tag_invalid":
        given = shorten(ctx.get("tag", ""))
        close = difflib.get_close_matches(str(ctx.get("tag", "")), tags, n=1, cutoff=0.6)
        guess = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown {key} '{given}'{guess}", listed
    named = [k for k in value if k in tags] if isinstance(value, dict) else []
    if named:
        inner = value[named[0]]
        return (
            f"'{named[0]}' is written as a key; the {key} goes in `{key}: {named[0]}`",
            f"{_form(key, named[0], inner)}\n    {listed}",
        )
    return f"`{key}:` is missing: it says which kind this is", listed


def _tag_form(value: str, loc: Loc, data: Any, model: type[BaseModel]) -> str | None:
    """For `- kill` where a mapping was expected: the form to write, if `kill` is a tag here."""
    if value in models.union_tags(model, loc, data, "type"):
        return _form("type", value, None)
    return None


def _form(key: str, tag: str, inner: Any) -> str:
    rest = [f"  {k}: …" for k in inner] if isinstance(inner, dict) else ["  …"]
    return "write it as\n        " + "\n        ".join([f"- {key}: {tag}", *rest])


def _closest_key(loc: Loc, data: Any, model: type[BaseModel]) -> str | None:
    if not loc:
        return None
    known = models.known_keys(model, loc[:-1], data)
    if not known:
        return None
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "known keys here: " + ", ".join(sorted(known))

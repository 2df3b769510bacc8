"""Load YAML input files into strict pydantic models and report every problem with its line.

Shared by the scenario loader and the stack loader: one place turns pydantic's errors into
`file:line: faults[1].duration: must be > 0` with a hint (closest known key for a misspelled one).
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness.errors import InputError, Problem

M = TypeVar("M", bound=BaseModel)
Loc = tuple[str | int, ...]


def parse(text: str, file: str) -> tuple[Any, dict[Loc, int]]:
    """Parse YAML text; return the data and a map from each key/item path to its 1-based line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(
            file,
            [Problem("", f"not valid YAML: {e.problem}", line, "check indentation and quoting")],
        ) from e
    lines: dict[Loc, int] = {}
    if node is not None:
        _index(node, (), lines)
    return data, lines


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            lines[(*loc, key)] = key_node.start_mark.line + 1
            _index(value_node, (*loc, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*loc, i)] = item.start_mark.line + 1
            _index(item, (*loc, i), lines)


def load_model(model: type[M], path: Path, *, context: dict[str, Any] | None = None) -> M:
    """Read `path` and validate it as `model`; raise InputError listing every problem."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(file, [Problem("", f"cannot read file: {e.strerror}")]) from e
    data, lines = parse(text, file)
    return validate(model, data, lines, file, context=context)


def validate(
    model: type[M],
    data: Any,
    lines: dict[Loc, int],
    file: str,
    *,
    context: dict[str, Any] | None = None,
) -> M:
    if data is None:
        raise InputError(file, [Problem("", "file is empty", 1, f"see the {model.__name__} docs")])
    try:
        return model.model_validate(data, context=context)
    except ValidationError as e:
        raise InputError(file, problems_from(e, data, lines, model)) from e


def problems_from(
    error: ValidationError, data: Any, lines: dict[Loc, int], model: type[BaseModel]
) -> list[Problem]:
    problems: list[Problem] = []
    for err in error.errors(include_url=False):
        loc = _data_loc(tuple(err["loc"]), data, missing=err["type"] == "missing")
        line = _nearest_line(loc, lines)
        problems.append(
            Problem(_render_loc(loc), _message(err), line, _hint(err, loc, data, model))
        )
    problems.sort(key=lambda p: (p.line or 0, p.path))
    return problems


def _data_loc(loc: Loc, data: Any, *, missing: bool) -> Loc:
    """Drop pydantic's union tags from `loc`, keeping only steps that exist in the document."""
    out: list[str | int] = []
    cur = data
    for i, step in enumerate(loc):
        if isinstance(cur, dict) and cur.get("type") == step and i < len(loc) - 1:
            continue  # a tagged union's tag (our unions are tagged by `type`), not a key
        found, child = _child(cur, step)
        if found:
            out.append(step)
            cur = child
        elif i == len(loc) - 1 and (missing or isinstance(cur, dict)):
            out.append(step)
    return tuple(out)


def _child(node: Any, step: str | int) -> tuple[bool, Any]:
    if isinstance(node, dict) and step in node:
        return True, node[step]
    if isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
        return True, node[step]
    return False, None


def _nearest_line(loc: Loc, lines: dict[Loc, int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _render_loc(loc: Loc) -> str:
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _hint(err: Any, loc: Loc, data: Any, model: type[BaseModel]) -> str | None:
    ctx = err.get("ctx") or {}
    if "hint" in ctx:
        return str(ctx["hint"])
    if err["type"] != "extra_forbidden" or not loc:
        return None
    known = _known_keys(model, loc[:-1], data)
    if not known:
        return None
    close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if close:
        return f"did you mean '{close[0]}'?"
    return "known keys here: " + ", ".join(sorted(known))


def _known_keys(model: type[BaseModel], parent: Loc, data: Any) -> list[str]:
    """Field names (by alias) of the model that validates the mapping at `parent`."""
    ann: Any = model
    node: Any = data
    for step in parent:
        if isinstance(step, int):
            ann = _element(ann)
        else:
            current = _pick_model(ann, node)
            if current is None:
                return []
            field = next(
                (f for n, f in current.model_fields.items() if (f.alias or n) == step), None
            )
            if field is None:
                return []
            ann = field.annotation
        node = _child(node, step)[1]
    found = _pick_model(ann, node)
    if found is None:
        return []
    return [f.alias or name for name, f in found.model_fields.items()]


def _element(annotation: Any) -> Any:
    """The item type of list[X] (inside Optional/Annotated), or None."""
    origin = typing.get_origin(annotation)
    if origin is list:
        return typing.get_args(annotation)[0]
    for arg in typing.get_args(annotation):
        if arg is not type(None) and (inner := _element(arg)) is not None:
            return inner
    return None


def _pick_model(annotation: Any, node: Any) -> Any:
    """The BaseModel inside an annotation (list[X], dict[str, X], X | None, tagged unions)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    candidates = [m for a in args if (m := _pick_model(a, node)) is not None]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    # a tagged union: choose the member whose tag matches the document
    if isinstance(node, dict):
        for m in candidates:
            for name, f in m.model_fields.items():
                tag = typing.get_args(f.annotation)
                if tag and node.get(f.alias or name) in tag:
                    return m
    return None

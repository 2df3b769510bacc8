"""Load YAML input files into strict pydantic models and report every problem with its line.

Shared by the scenario loader and the stack loader: one place reads a file (bounded, decoded,
text.py), builds its data in one bounded pass (tree.py), and turns pydantic's errors into
`file:line: faults[1].duration: must be > 0` with a hint (problems.py). Whatever the input, the
outcome is a model or an InputError: never another exception, in bounded time and memory.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from harness._yaml import text as _text
from harness._yaml import tree as _tree
from harness._yaml.locs import Loc, render_loc, shorten
from harness._yaml.problems import nearest_line, problems_from
from harness.errors import InputError, Problem

__all__ = [
    "Document",
    "Loc",
    "load_model",
    "parse",
    "raise_if_any",
    "read",
    "render_loc",
    "shorten",
    "validate",
    "validate_all",
]

M = TypeVar("M", bound=BaseModel)
MAX_LISTED = 50  # problems listed in one error; the rest are counted


@dataclass(frozen=True)
class Document:
    """A file's data, the line of each key and item, and what was refused while reading it."""

    file: str
    data: Any
    lines: dict[Loc, int]
    problems: tuple[tuple[Loc, Problem], ...] = ()

    def line(self, loc: Loc) -> int | None:
        """The line of `loc`, or of its nearest enclosing key or item."""
        return nearest_line(loc, self.lines)

    def problem(self, loc: Loc, message: str, hint: str | None = None) -> tuple[Loc, Problem]:
        return loc, Problem(render_loc(loc), message, self.line(loc), hint)


def read(path: Path) -> Document:
    """Read and parse `path`; InputError for anything that is not one readable YAML document."""
    return parse(_text.read(path), str(path))


def parse(text: str, file: str) -> Document:
    _text.check_text(text, file)
    try:
        built = _tree.build(text)
    except _tree.Fatal as e:
        raise InputError(file, [e.problem]) from e
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = f"not valid YAML: {shorten(e.problem or e.context or 'unreadable', 200)}"
        raise InputError(
            file, [Problem("", problem, line, "check indentation, brackets and quoting")]
        ) from e
    except yaml.YAMLError as e:  # the reader's errors carry a position, not a mark
        position = getattr(e, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        raise InputError(
            file, [Problem("", f"not valid YAML: {shorten(str(e), 200)}", line)]
        ) from e
    return Document(file, built.data, built.lines, tuple(built.problems))


def load_model(model: type[M], path: Path, *, context: dict[str, Any] | None = None) -> M:
    """Read `path` and validate it as `model`; raise InputError listing every problem."""
    return validate(model, read(path), context=context)


def validate(model: type[M], doc: Document, *, context: dict[str, Any] | None = None) -> M:
    result, problems = validate_all(model, doc, context=context)
    raise_if_any(doc.file, problems)
    if result is None:  # pragma: no cover - no problems means the model was built
        raise InputError(doc.file, [Problem("", "could not be read")])
    return result


def validate_all(
    model: type[M], doc: Document, *, context: dict[str, Any] | None = None
) -> tuple[M | None, list[tuple[Loc, Problem]]]:
    """The model (None if it could not be built) and every problem: those found while reading
    and the schema's, except schema errors at places already refused."""
    if doc.data is None:
        empty = Problem("", "file is empty", 1, f"see the {model.__name__} docs")
        return None, [((), empty)]
    problems = list(doc.problems)
    try:
        result: M | None = model.model_validate(doc.data, context=context)
    except ValidationError as e:
        result = None
        problems += problems_from(e, doc.data, doc.lines, model, skip=(loc for loc, _ in problems))
    except RecursionError as e:  # pragma: no cover - the depth bound keeps validation shallow
        raise InputError(doc.file, [Problem("", "nested too deeply to check")]) from e
    return (result if not problems else None), problems


def raise_if_any(file: str | None, problems: Iterable[tuple[Loc, Problem]]) -> None:
    """InputError with every problem in line order (at most MAX_LISTED, the rest counted)."""
    ordered = sorted({p for _, p in problems}, key=lambda p: (p.line or 0, p.path, p.message))
    if not ordered:
        return
    shown = ordered[:MAX_LISTED]
    if len(ordered) > MAX_LISTED:
        shown.append(Problem("", f"… and {len(ordered) - MAX_LISTED} more problems"))
    raise InputError(file, shown)

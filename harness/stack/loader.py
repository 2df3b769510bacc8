"""Find and load a stack description; the sample shop's is the default."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from harness import _yaml
from harness.errors import InputError, Problem
from harness.stack import references
from harness.stack.model import REFERENCES_CHECKED, StackSpec

DEFAULT_STACK_PACKAGE = "sample_shop"  # the one place harness/ names the sample shop
DEFAULT_STACK_FILE = "stack.yaml"


def default_stack_path() -> Path:
    return Path(str(resources.files(DEFAULT_STACK_PACKAGE).joinpath(DEFAULT_STACK_FILE)))


def load_stack(path: Path | None = None) -> tuple[StackSpec, Path]:
    """Load and validate a stack description; InputError lists every problem, the schema's and
    the cross-references', each at its own line."""
    path = path or default_stack_path()
    doc = _yaml.read(path)
    spec, problems = _yaml.validate_all(StackSpec, doc, context={REFERENCES_CHECKED: True})
    if doc.data is not None:
        problems += [doc.problem(loc, what, hint) for loc, what, hint in references.check(doc.data)]
    _yaml.raise_if_any(doc.file, problems)
    if spec is None:  # pragma: no cover - no problems means the spec was built
        raise InputError(doc.file, [Problem("", "could not be read")])
    return spec.located(path.resolve().parent), path

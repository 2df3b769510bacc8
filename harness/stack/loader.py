"""Find and load a stack description; the sample shop's is the default."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from harness import _yaml
from harness.stack.model import StackSpec

DEFAULT_STACK_PACKAGE = "sample_shop"  # the one place harness/ names the sample shop
DEFAULT_STACK_FILE = "stack.yaml"


def default_stack_path() -> Path:
    return Path(str(resources.files(DEFAULT_STACK_PACKAGE).joinpath(DEFAULT_STACK_FILE)))


def load_stack(path: Path | None = None) -> tuple[StackSpec, Path]:
    """Load and validate a stack description; InputError lists every located problem."""
    path = path or default_stack_path()
    return _yaml.load_model(StackSpec, path).located(path.resolve().parent), path

"""Build the platform a command asked for: from a stack file, or for a stack found on disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from harness.platforms.base import Platform
from harness.stack.loader import load_stack
from harness.stack.model import StackSpec

PlatformName = Literal["local", "compose"]


def default_state_dir() -> Path:
    """SHOPCHAOS_HOME, else ./.shopchaos: where stacks keep their state and logs."""
    return Path(os.environ.get("SHOPCHAOS_HOME", ".shopchaos"))


def stack_dir(name: PlatformName, stack: str, state_dir: Path | None = None) -> Path:
    """<state dir>/<platform>-<stack name>: one stack's own directory."""
    return (state_dir or default_state_dir()) / f"{name}-{stack}"


def make_platform(
    name: PlatformName,
    *,
    stack: Path | None = None,
    state_dir: Path | None = None,
    entry_port: int = 8080,
    toxiproxy_port: int = 8474,
) -> Platform:
    spec, spec_path = load_stack(stack)
    root = stack_dir(name, spec.name, state_dir)
    return build_platform(name, spec, spec_path, root, entry_port, toxiproxy_port)


def build_platform(
    name: PlatformName,
    spec: StackSpec,
    spec_path: Path | None,
    root: Path,
    entry_port: int = 8080,
    toxiproxy_port: int = 8474,
) -> Platform:
    """The platform for `spec` whose state lives in `root`."""
    if name == "compose":
        from harness.platforms.compose import ComposePlatform

        return ComposePlatform(
            spec, root, spec_path=spec_path, entry_port=entry_port, toxiproxy_port=toxiproxy_port
        )
    from harness.platforms.local import LocalPlatform

    return LocalPlatform(
        spec, root, spec_path=spec_path, entry_port=entry_port, toxiproxy_port=toxiproxy_port
    )

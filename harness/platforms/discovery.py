"""The stacks under a state directory: what `status`, `down` and `recover` act on when no
--stack is given (any stack name, not only the sample shop's).

A stack lives in <state dir>/<platform>-<name>/ with its stack.json, which names the stack file
it was brought up from; the platform for it is built from that file again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from harness.errors import HarnessError, StackError
from harness.platforms.base import Platform, Progress, no_progress
from harness.platforms.factory import PlatformName, build_platform, default_state_dir
from harness.stack.loader import load_stack


@dataclass(frozen=True)
class FoundStack:
    platform: PlatformName
    stack: str  # its name when it was brought up
    state_dir: Path
    spec_path: Path | None  # the stack file it was brought up from
    complete: bool  # False: a start that did not finish (or an unreadable state file)


def find_stacks(platform: PlatformName, state_dir: Path | None = None) -> list[FoundStack]:
    """Every stack of `platform` with a state file under `state_dir`, by name."""
    root = state_dir or default_state_dir()
    found = []
    for d in sorted(root.glob(f"{platform}-*")):
        state = d / "stack.json"
        if not state.is_file():
            continue
        try:
            raw = json.loads(state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        spec_path = raw.get("spec_path")
        found.append(
            FoundStack(
                platform=platform,
                stack=str(raw.get("stack") or d.name.removeprefix(f"{platform}-")),
                state_dir=d,
                spec_path=Path(spec_path) if isinstance(spec_path, str) else None,
                complete=raw.get("complete") is True,
            )
        )
    return found


def open_stack(
    found: FoundStack, *, lenient: bool = False, progress: Progress = no_progress
) -> Platform:
    """The platform for a stack found on disk, from the stack file it was brought up from.

    That file may be gone or broken since: `lenient` (for `down`, which needs little of it)
    falls back to the default stack description, else StackError says what to do.
    """
    try:
        spec, spec_path = load_stack(found.spec_path)
    except HarnessError as e:
        if not lenient:
            raise StackError(
                f"the {found.platform} stack '{found.stack}' ({found.state_dir}) was brought up "
                f"from {found.spec_path}, which cannot be read now:\n{e.message}",
                hint="fix the file, or pass it with --stack; `shopchaos down` stops the stack "
                "anyway",
            ) from e
        progress(f"{found.spec_path} cannot be read: stopping '{found.stack}' by its state")
        spec, spec_path = load_stack(None)
    return build_platform(found.platform, spec, spec_path, found.state_dir)

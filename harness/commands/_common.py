"""Options shared by several commands, and console helpers."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from harness.platforms import _lock
from harness.platforms.base import Platform, Progress, no_progress
from harness.platforms.discovery import find_stacks, open_stack
from harness.platforms.factory import PlatformName, make_platform

console = Console(highlight=False)

PlatformOpt = Annotated[
    str,
    typer.Option(
        "--platform",
        "-p",
        help="Where the stack runs: 'local' (plain processes, the default) or 'compose' (Docker).",
        envvar="SHOPCHAOS_PLATFORM",
    ),
]
StackOpt = Annotated[
    Path | None,
    typer.Option(
        "--stack",
        help="A stack description (YAML). Default: the sample shop (sample_shop/stack.yaml); "
        "status, down and recover without it act on every stack that is up under --state-dir.",
        envvar="SHOPCHAOS_STACK_FILE",
        exists=True,
        dir_okay=False,
    ),
]
StateDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where stacks keep state and logs. Default: $SHOPCHAOS_HOME or ./.shopchaos",
        file_okay=False,
    ),
]
EntryPortOpt = Annotated[
    int,
    typer.Option(
        "--entry-port",
        help="Port of the load balancer's entry on 127.0.0.1 (0 = any free port).",
        envvar="SHOPCHAOS_ENTRY_PORT",
    ),
]
ToxiproxyPortOpt = Annotated[
    int,
    typer.Option(
        "--toxiproxy-port",
        help="Port of Toxiproxy's API on 127.0.0.1 (0 = any free port).",
        envvar="SHOPCHAOS_TOXIPROXY_PORT",
    ),
]


def _platform_name(platform: str) -> PlatformName:
    if platform not in ("local", "compose"):
        raise typer.BadParameter(
            f"unknown platform '{platform}' (choose 'local' or 'compose')", param_hint="--platform"
        )
    return "local" if platform == "local" else "compose"


def platform_from(
    platform: str,
    stack: Path | None,
    state_dir: Path | None,
    entry_port: int = 8080,
    toxiproxy_port: int = 8474,
) -> Platform:
    return make_platform(
        _platform_name(platform),
        stack=stack,
        state_dir=state_dir,
        entry_port=entry_port,
        toxiproxy_port=toxiproxy_port,
    )


def platforms_found(
    platform: str,
    stack: Path | None,
    state_dir: Path | None,
    *,
    unfinished: bool = False,
    progress: Progress | None = None,
) -> list[Platform]:
    """The stacks a command acts on: with --stack, that one; without, every stack that is up
    under the state dir, whatever its name (`unfinished`: also those whose start did not
    finish, for `down`); when there is none, the default stack (which says so)."""
    name = _platform_name(platform)
    if stack is None:
        found = [f for f in find_stacks(name, state_dir) if f.complete or unfinished]
        if found:
            return [
                open_stack(f, lenient=unfinished, progress=progress or no_progress) for f in found
            ]
    return [platform_from(platform, stack, state_dir)]


@contextlib.contextmanager
def holding(plat: Platform, command: str) -> Iterator[None]:
    """Hold the stack for the whole command (StackBusy, exit 7, if another command does)."""
    with _lock.hold(plat.state_dir, command, progress_printer()):
        yield


def progress_printer(prefix: str = "") -> Progress:
    """A progress callback that prints each step with the time since the command started."""
    started = time.monotonic()

    def show(message: str) -> None:
        elapsed = f"{time.monotonic() - started:6.1f}s "
        console.print(Text.assemble((elapsed, "dim"), prefix, message))

    return show

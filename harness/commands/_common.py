"""Options shared by several commands, and console helpers."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from harness.platforms.base import Platform, Progress
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
        help="A stack description (YAML). Default: the sample shop (sample_shop/stack.yaml).",
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


def platform_from(
    platform: str,
    stack: Path | None,
    state_dir: Path | None,
    entry_port: int = 8080,
    toxiproxy_port: int = 8474,
) -> Platform:
    if platform not in ("local", "compose"):
        raise typer.BadParameter(
            f"unknown platform '{platform}' (choose 'local' or 'compose')", param_hint="--platform"
        )
    name: PlatformName = "local" if platform == "local" else "compose"
    return make_platform(
        name, stack=stack, state_dir=state_dir, entry_port=entry_port, toxiproxy_port=toxiproxy_port
    )


def progress_printer(prefix: str = "") -> Progress:
    """A progress callback that prints each step with the time since the command started."""
    started = time.monotonic()

    def show(message: str) -> None:
        elapsed = f"{time.monotonic() - started:6.1f}s "
        console.print(Text.assemble((elapsed, "dim"), prefix, message))

    return show

"""The CLI's commands, one module per group; cli.py registers them and maps errors."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from harness.commands import stack_cmds

    stack_cmds.register(app)

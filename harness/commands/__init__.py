"""The CLI's commands, one module per group; cli.py registers them and maps errors."""

from __future__ import annotations

import typer


def register_all(app: typer.Typer) -> None:
    from harness.commands import load_worker_cmd, report_cmds, run_cmd, scenario_cmds, stack_cmds

    stack_cmds.register(app)
    report_cmds.register(app)
    run_cmd.register(app)
    scenario_cmds.register(app)
    load_worker_cmd.register(app)

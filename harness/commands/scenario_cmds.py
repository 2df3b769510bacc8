"""`shopchaos validate` and `shopchaos list`: check and browse scenario files."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness import tools
from harness.commands._common import (
    PlatformOpt,
    StackOpt,
    StateDirOpt,
    console,
    platform_from,
)
from harness.errors import InputError
from harness.faults.registry import fault_types, plugin_problems
from harness.platforms.base import Platform
from harness.reconciliation.check import check_mapping
from harness.scenario import loader
from harness.scenario.durations import format_duration
from harness.scenario.variables import parse_vars
from harness.stack.loader import load_stack

ScenariosDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--scenarios",
        help="The scenario library. Default: $SHOPCHAOS_SCENARIOS, ./scenarios, or the "
        "project's scenarios/.",
        file_okay=False,
    ),
]


def scenarios_dir(given: Path | None) -> Path:
    if given is not None:
        return given
    if env := os.environ.get(loader.SCENARIO_DIR_ENV):
        return Path(env)
    here = Path("scenarios")
    if here.is_dir():
        return here
    root = tools.project_root()
    return root / "scenarios" if root else here


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("list")(list_cmd)
    app.command("faults")(faults_cmd)


def validate(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files to check.", exists=True, dir_okay=False),
    ] = None,
    stack: StackOpt = None,
    var: Annotated[
        list[str] | None, typer.Option("--var", help="KEY=VALUE for ${KEY} (repeatable).")
    ] = None,
    var_file: Annotated[
        list[Path] | None,
        typer.Option("--var-file", help="A YAML mapping of variables.", exists=True),
    ] = None,
    platform: PlatformOpt = "local",
    state_dir: StateDirOpt = None,
) -> None:
    """Check the stack file and scenario files against the schema and the stack; list every
    problem with its file, line and key, and a hint. When the stack is up, its reconciliation
    mapping is checked against its live sources too. Exit code 2 when anything has a problem."""
    spec, path = load_stack(stack)
    console.print(f"[green]ok[/] {path}: stack {spec.name}")
    plat = platform_from(platform, stack, state_dir)
    if plat.is_up():
        check_live_mapping(plat, path)
    for item in loader.load_many(files or [], spec, parse_vars(var or [], var_file or [])):
        console.print(f"[green]ok[/] {item.path}: {item.scenario.name}")


def check_live_mapping(plat: Platform, path: Path) -> None:
    """The stack file's reconciliation mapping against the running stack's sources."""
    if plat.spec.reconciliation is None:
        return
    result = check_mapping(plat.spec, plat.endpoints())
    for note in result.notes:
        console.print(f"[yellow]note[/] {note}")
    if result.problems:
        raise InputError(
            str(path),
            result.problems,
            hint="the stack is up: fix the mapping, then run "
            "`shopchaos validate --stack FILE` again",
        )
    console.print("[green]ok[/] reconciliation mapping checked against the running stack")


def list_cmd(scenarios: ScenariosDirOpt = None, stack: StackOpt = None) -> None:
    """List the scenario library: name, tags, faults, and what each rehearses."""
    spec, _ = load_stack(stack)
    directory = scenarios_dir(scenarios)
    loaded = loader.load_many(loader.discover(directory), spec)
    table = Table(title=f"scenarios in {directory}", title_justify="left", show_lines=True)
    for col in ("name", "tags", "faults", "description"):
        table.add_column(col)
    for item in loaded:
        sc = item.scenario
        faults = []
        for f, fid in zip(sc.faults, sc.fault_ids(), strict=True):
            when = f"at {format_duration(f.at)}"
            length = f" for {format_duration(f.duration)}" if f.duration else " until the end"
            faults.append(f"{fid} ({getattr(f, 'type', '?')}) {when}{length}")
        table.add_row(sc.name, ", ".join(sc.tags), "\n".join(faults) or "-", sc.description)
    console.print(table)


def faults_cmd() -> None:
    """List the fault types a scenario can use, with the plugin (entry point of the
    `shopchaos.faults` group) and the package that provides each (docs/faults.md, options;
    docs/extending.md, writing a plugin)."""
    table = Table(title="fault types", title_justify="left")
    for col in ("type", "family", "plugin", "package", "what it does"):
        table.add_column(col)
    for ft in sorted(fault_types().values(), key=lambda f: (f.distribution, f.family, f.name)):
        version = _version(ft.distribution)
        package = f"{ft.distribution} {version}".strip()
        table.add_row(ft.name, ft.family, ft.plugin, package, ft.summary)
    console.print(table)
    for p in plugin_problems():
        console.print(
            f"[red]plugin {p.plugin} ({p.distribution}) could not be loaded[/]: {p.error}"
        )


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except (PackageNotFoundError, ValueError):
        return ""

"""`shopchaos run`: scenarios against the stack, with live progress and a verdict table."""

from __future__ import annotations

import random
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness import fmt
from harness.commands._common import (
    EntryPortOpt,
    PlatformOpt,
    StackOpt,
    StateDirOpt,
    ToxiproxyPortOpt,
    console,
    platform_from,
)
from harness.commands._plan_ui import print_plan
from harness.commands._run_ui import VERDICT_STYLE, ConsoleUI
from harness.commands.scenario_cmds import ScenariosDirOpt, scenarios_dir
from harness.errors import Interrupted
from harness.events import JsonLinesEvents
from harness.load.process import LoadWorkers
from harness.record import io as record_io
from harness.record import model as rec
from harness.report.outputs import write_all
from harness.scenario import loader
from harness.scenario.plan import check_functions, plan_run
from harness.scenario.runner import RunOptions, run
from harness.scenario.variables import parse_vars
from harness.signals import shielded


def register(app: typer.Typer) -> None:
    app.command("run")(run_cmd)


def run_cmd(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Scenario files to run (or use --suite).", exists=True, dir_okay=False),
    ] = None,
    suite: Annotated[
        str | None,
        typer.Option(
            "--suite", "-s", help="Run every scenario with this tag (smoke, nightly, all)."
        ),
    ] = None,
    scenarios: ScenariosDirOpt = None,
    platform: PlatformOpt = "local",
    stack: StackOpt = None,
    state_dir: StateDirOpt = None,
    repeat: Annotated[
        int | None, typer.Option("--repeat", "-r", min=1, help="Trials per scenario.")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Seed for random choices.")] = None,
    time_scale: Annotated[
        float,
        typer.Option(
            "--time-scale",
            min=0.05,
            max=10,
            help="Multiply every phase and fault offset/duration (0.5 = half as long).",
        ),
    ] = 1.0,
    reports: Annotated[
        Path, typer.Option("--reports", help="Where run directories are written.", file_okay=False)
    ] = Path("reports"),
    keep_stack: Annotated[
        bool | None,
        typer.Option(
            "--keep-stack/--down",
            help="Leave the stack up afterwards, or take it down. Default: take down a stack "
            "this run started, leave one it found running.",
        ),
    ] = None,
    entry_port: EntryPortOpt = 8080,
    toxiproxy_port: ToxiproxyPortOpt = 8474,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Load and validate everything, resolve targets against the running stack and "
            "print the plan with times; start, change and write nothing.",
        ),
    ] = False,
    var: Annotated[
        list[str] | None,
        typer.Option("--var", help="KEY=VALUE for ${KEY} in scenario files (repeatable)."),
    ] = None,
    var_file: Annotated[
        list[Path] | None,
        typer.Option(
            "--var-file",
            help="A YAML mapping of variables (repeatable; --var wins).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    events: Annotated[
        Path | None,
        typer.Option(
            "--events",
            help="Append JSON lines to FILE as things happen: phases, faults applied and "
            "reverted, probe results, verdicts (docs/cli.md).",
            dir_okay=False,
        ),
    ] = None,
    load_workers: Annotated[
        int | None,
        typer.Option(
            "--load-workers",
            min=1,
            max=64,
            help="Load processes on this machine (overrides each scenario's load.workers).",
        ),
    ] = None,
    load_remote_workers: Annotated[
        int,
        typer.Option(
            "--load-remote-workers",
            min=0,
            help="Wait for this many `shopchaos load-worker` processes to join each trial.",
        ),
    ] = 0,
    load_master: Annotated[
        str,
        typer.Option("--load-master", help="HOST:PORT where remote load workers connect."),
    ] = "*:5557",
) -> rec.Status:
    """Run scenarios: bring the stack up if needed, inject the faults under load, measure,
    check each scenario's expectations, and write reports/<run>/record.json.

    Exit code: 0 all expectations held, 1 an expectation failed, 3 aborted, 4 harness error,
    6 inconclusive (too little evidence for a verdict, and no promise broke; the report says
    why), 130 interrupted (faults are always reverted first).

    Examples:  shopchaos run --suite smoke
               shopchaos run scenarios/payment-outage.yaml --repeat 5
    """
    if bool(files) == bool(suite):
        raise typer.BadParameter("give scenario files or --suite TAG (not both)")
    plat = platform_from(platform, stack, state_dir, entry_port, toxiproxy_port)
    variables = parse_vars(var or [], var_file or [])
    if suite:
        loaded = loader.suite(scenarios_dir(scenarios), suite, plat.spec, variables)
    else:
        loaded = loader.load_many(list(files or []), plat.spec, variables)
    check_functions(loaded)
    run_seed = seed if seed is not None else random.SystemRandom().randrange(1, 2**31)
    if dry_run:
        plans = plan_run(loaded, plat, seed=run_seed, repeat=repeat, time_scale=time_scale)
        print_plan(plans)
        return rec.Status.PASSED
    opts = RunOptions(
        reports_dir=reports,
        seed=run_seed,
        repeat=repeat,
        time_scale=time_scale,
        suite=suite,
        keep_stack=keep_stack,
        argv=sys.argv[1:],
        load_workers=LoadWorkers(load_workers, load_remote_workers, load_master),
    )
    sink = JsonLinesEvents(events) if events is not None else None
    if sink is not None:
        opts.events = sink
    console.print(f"running {len(loaded)} scenario(s) on {plat.name}, seed {opts.seed}")
    try:
        record, run_dir = run(loaded, plat, opts, ConsoleUI(console))
    except Interrupted as e:
        if e.run_dir is not None:  # what was measured before the signal is still reported
            with shielded():
                written = write_all(record_io.read(e.run_dir), e.run_dir)
            console.print(f"report of what was measured: {written['html']}")
        raise
    finally:
        if sink is not None:
            sink.close()
    print_summary(record)
    with shielded():
        written = write_all(record, run_dir)
    console.print(f"report: {written['html']}  (also junit.xml, summary.md, record.json)")
    return record.status


def print_summary(record: rec.RunRecord) -> None:
    table = Table(title=f"run {record.run_id}", title_justify="left")
    for col in (
        "scenario",
        "trials",
        "verdict",
        "recover (median)",
        "errors/fault",
        "error rate",
        "p95",
        "failed checks",
    ):
        table.add_column(col)
    for s in record.scenarios:
        ttr = [d.median for k, d in s.summary.items() if k.endswith(".time_to_recover")]
        errs = [d.median for k, d in s.summary.items() if k.endswith(".errors")]
        rate = s.summary.get("error_rate")
        p95 = s.summary.get("p95")
        failed = sorted(
            {f"{c.scope} {c.name}" for t in s.trials for c in t.checks if c.verdict == "fail"}
        )
        verdict = s.status.value + (" (flaky)" if s.flaky else "")
        table.add_row(
            s.name,
            str(len(s.trials)),
            f"[{VERDICT_STYLE[s.status]}]{verdict}[/]",
            ", ".join(fmt.seconds(v) for v in ttr) or fmt.DASH,
            ", ".join(fmt.number(v) for v in errs) or fmt.DASH,
            fmt.rate(rate.median if rate else None),
            fmt.seconds(p95.median if p95 else None),
            "; ".join(failed) or "-",
        )
    console.print(table)

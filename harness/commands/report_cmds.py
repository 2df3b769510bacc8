"""`shopchaos report`: re-render a run, compare two runs, the trend of a suite, the index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness.commands._common import console
from harness.errors import InputError, Problem, RecordError
from harness.exit_codes import Exit
from harness.record import io as record_io
from harness.report.outputs import write_all
from harness.report.pages import trend_html, write_index
from harness.report.regress import Finding, compare
from harness.report.runs import of_suite

REGRESSION_EXIT = int(Exit.REGRESSION)


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    args: Annotated[
        list[str],
        typer.Argument(help="RUN_DIR… | compare A B | trend | index", show_default=False),
    ],
    reports: Annotated[
        Path, typer.Option("--reports", help="The reports directory.", file_okay=False)
    ] = Path("reports"),
    suite: Annotated[str, typer.Option("--suite", help="Suite for `trend`.")] = "nightly",
    last: Annotated[int, typer.Option("--last", min=2, help="Runs in `trend`.")] = 10,
    margin: Annotated[
        float,
        typer.Option("--margin", min=0, help="Allowed relative worsening before a regression."),
    ] = 0.2,
    fail_on_regression: Annotated[
        bool,
        typer.Option("--fail-on-regression", help="Exit 5 when `compare`/`trend` finds one."),
    ] = False,
) -> int:
    """Render reports from run records; compare runs; show trends.

    shopchaos report reports/RUN            re-render report.html, junit.xml, summary.md
    shopchaos report compare A B            B against A: newly failing scenarios, slower recovery
    shopchaos report trend --suite nightly  the last N runs of a suite -> reports/trend-SUITE.html
    shopchaos report index                  rebuild reports/index.html

    A regression: a scenario that passed and now fails, or a recovery time / error rate worse
    than the earlier trials' median by more than --margin and beyond their spread.
    """
    if args[0] == "compare":
        if len(args) != 3:
            raise typer.BadParameter("write: shopchaos report compare RUN_A RUN_B")
        base, current = record_io.read(Path(args[1])), record_io.read(Path(args[2]))
        findings = compare([base], current, margin=margin)
        _print_findings(findings, f"{current.run_id} against {base.run_id}")
        return REGRESSION_EXIT if findings and fail_on_regression else 0
    if args[0] == "trend":
        runs = of_suite(reports, suite, last)
        if len(runs) < 2:
            raise InputError(
                str(reports),
                [
                    Problem(
                        "",
                        f"{len(runs)} finished run(s) of suite '{suite}'; a trend needs at least 2",
                        hint="run `shopchaos run --suite SUITE` again, or pick --suite",
                    )
                ],
            )
        findings = compare(runs[:-1], runs[-1], margin=margin)
        page = reports / f"trend-{suite}.html"
        page.write_text(trend_html(suite, runs, findings, margin), encoding="utf-8")
        write_index(reports)
        _print_findings(findings, f"{runs[-1].run_id} against {len(runs) - 1} earlier runs")
        console.print(f"trend: {page}")
        return REGRESSION_EXIT if findings and fail_on_regression else 0
    if args[0] == "index":
        console.print(f"index: {write_index(reports)}")
        return 0
    for arg in args:
        run_dir = Path(arg)
        if not (run_dir / "record.json").is_file():
            raise RecordError(f"{run_dir} holds no record.json", hint="give a run directory")
        written = write_all(record_io.read(run_dir), run_dir)
        console.print(f"{run_dir}: " + ", ".join(p.name for p in written.values()))
    return 0


def _print_findings(findings: list[Finding], title: str) -> None:
    if not findings:
        console.print(f"[green]no regression[/]: {title}")
        return
    table = Table(title=f"regressions: {title}", title_justify="left")
    for col in ("scenario", "what", "detail"):
        table.add_column(col)
    for f in findings:
        table.add_row(f.scenario, f"[red]{f.kind}[/]", f.detail)
    console.print(table)

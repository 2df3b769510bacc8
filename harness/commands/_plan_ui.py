"""What `shopchaos run --dry-run` prints: per scenario, the stack, the phases, each fault with
its target and times, each probe with its address, interval and phases."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from harness import fmt
from harness.commands._common import console
from harness.scenario.plan import ScenarioPlan


def _t(seconds: float | None) -> str:
    return "end of trial" if seconds is None else f"{seconds:.1f} s"


def print_plan(plans: list[ScenarioPlan]) -> None:
    for plan in plans:
        console.rule(f"[bold]{plan.name}[/] (dry run: nothing is started or changed)", align="left")
        console.print(f"file: {plan.file}")
        console.print(f"stack: {plan.stack}")
        seeds = ", ".join(str(s) for s in plan.seeds)
        console.print(
            f"{plan.trials} trial(s), seed(s) {seeds}; each {fmt.seconds(plan.trial_seconds)} "
            "of load (times below are seconds after the load starts)"
        )
        phases = Table(title="phases", title_justify="left")
        for col in ("phase", "from", "to"):
            phases.add_column(col)
        for name, start, end in plan.phases:
            phases.add_row(name, _t(start), _t(end))
        console.print(phases)
        if plan.faults:
            faults = Table(title="faults", title_justify="left")
            for col in ("fault", "type", "target", "apply at", "revert at", "recovery from"):
                faults.add_column(col)
            for f in plan.faults:
                faults.add_row(
                    f.id,
                    f.kind,
                    f.target,
                    _t(f.apply_at),
                    _t(f.revert_at),
                    "t_inject" if f.self_healing else "t_revert",
                )
            console.print(faults)
        if plan.probes:
            probes = Table(title="probes", title_justify="left")
            for col in ("probe", "type", "target", "every", "phases"):
                probes.add_column(col)
            for p in plan.probes:
                probes.add_row(p.id, p.kind, p.target, fmt.seconds(p.every), ", ".join(p.phases))
            console.print(probes)
        for note in plan.notes:
            console.print(Text(f"note: {note}", style="yellow"))

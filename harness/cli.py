"""The `shopchaos` command. The one place that maps errors to messages and exit codes.

Exit codes (docs/cli.md):
  0  success; every expectation held
  1  an expectation failed
  2  bad input: a scenario or stack file, or a command-line argument
  3  the run was aborted by an abort condition (faults were reverted)
  4  harness or environment error: a missing program, a port in use, a stack that would not start
  5  a regression against earlier runs (`report compare/trend --fail-on-regression`)
  6  inconclusive: too little evidence for a verdict (a starved machine, an unhealthy or thin
     baseline, no requests, a figure within its resolution of the limit); no promise broke
  7  the stack is busy: another shopchaos command holds it (the message names its pid)
  130 interrupted (Ctrl-C, SIGTERM or SIGHUP); faults were reverted
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console
from rich.text import Text

from harness import errors
from harness.commands import register_all
from harness.exit_codes import STATUS_EXIT, Exit, exit_code_for
from harness.record.model import Status
from harness.signals import signals_raise

app = typer.Typer(
    name="shopchaos",
    help=(
        "Chaos and failover tests for e-commerce stacks: bring up a replicated shop behind a "
        "load balancer, run scenarios that kill servers or degrade payment and shipping, and "
        "measure what customers saw.\n\n"
        "Start with: shopchaos up; shopchaos status; shopchaos run --suite smoke; shopchaos down"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
register_all(app)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: run the app and turn typed errors into exit codes."""
    err = Console(stderr=True, soft_wrap=True, highlight=False)
    try:
        # SIGTERM and SIGHUP unwind the whole command like Ctrl-C (bring-up, trials,
        # reconciliation, reports), so every `finally` runs: no half-started stack, no lost
        # record, no fault left in force
        with signals_raise():
            return _result_code(app(args=argv, standalone_mode=False))
    except errors.HarnessError as e:
        code = exit_code_for(e)
        style = "yellow" if code == Exit.INTERRUPTED else "red"
        err.print(Text.assemble(("error: ", f"bold {style}"), e.message), highlight=False)
        if e.hint:
            err.print(Text.assemble(("hint: ", "dim"), e.hint), highlight=False)
        return int(code)
    except (KeyboardInterrupt, typer.Abort):
        err.print(Text("interrupted", style="yellow"))
        return int(Exit.INTERRUPTED)
    except typer.Exit as e:
        return int(e.exit_code)
    except typer.TyperException as e:  # usage errors (bad option, missing argument)
        show = getattr(e, "show", None)
        if callable(show):
            show()
        else:
            err.print(Text(f"error: {e}", style="red"))
        return int(Exit.BAD_INPUT)


def _result_code(result: object) -> int:
    """A command returns a run Status (mapped here), an int, or nothing (success)."""
    if isinstance(result, Status):
        return int(STATUS_EXIT[result])
    return result if isinstance(result, int) else int(Exit.OK)


if __name__ == "__main__":
    sys.exit(main())

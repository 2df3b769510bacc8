"""Exit codes, decided in one table (docs/cli.md). cli.py maps errors and run statuses to them;
the runner writes the code the command returns into the run record."""

from __future__ import annotations

from enum import IntEnum

from harness import errors
from harness.record.model import Status


class Exit(IntEnum):
    OK = 0
    EXPECTATION_FAILED = 1
    BAD_INPUT = 2
    ABORTED = 3
    HARNESS_ERROR = 4
    REGRESSION = 5
    INCONCLUSIVE = 6
    STACK_BUSY = 7
    INTERRUPTED = 130


EXIT_CODES: list[tuple[type[errors.HarnessError], Exit]] = [
    (errors.InputError, Exit.BAD_INPUT),
    (errors.RunAborted, Exit.ABORTED),
    (errors.Interrupted, Exit.INTERRUPTED),
    (errors.StackBusy, Exit.STACK_BUSY),
    (errors.HarnessError, Exit.HARNESS_ERROR),  # the base: every other typed error
]


STATUS_EXIT: dict[Status, Exit] = {
    Status.PASSED: Exit.OK,
    Status.INCONCLUSIVE: Exit.INCONCLUSIVE,
    Status.FAILED: Exit.EXPECTATION_FAILED,
    Status.ABORTED: Exit.ABORTED,
    Status.ERROR: Exit.HARNESS_ERROR,
    Status.INTERRUPTED: Exit.INTERRUPTED,
}


def exit_code_for(error: errors.HarnessError) -> Exit:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return Exit.HARNESS_ERROR

"""Typed, located errors. cli.py maps each type to an exit code, in one table.

Every error carries a message that says what went wrong and, where there is one, a hint that
says what to do about it. Nothing in the package calls sys.exit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class HarnessError(Exception):
    """Base of every error the harness raises on purpose."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file: `faults[1].duration: must be > 0` at line 12."""

    path: str  # dotted/indexed path inside the document, "" for the whole document
    message: str
    line: int | None = None
    hint: str | None = None

    def render(self, file: str | None = None) -> str:
        where = file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        head = f"{where}: " if where else ""
        key = f"{self.path}: " if self.path else ""
        text = f"{head}{key}{self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class InputError(HarnessError):
    """A file or argument given by the user is wrong. Lists every problem at once."""

    def __init__(self, file: str | None, problems: list[Problem], *, hint: str | None = None):
        self.file = file
        self.problems = problems
        lines = [p.render(file) for p in problems]
        noun = "problem" if len(problems) == 1 else "problems"
        title = f"{file}: {len(problems)} {noun}" if file else f"{len(problems)} {noun}"
        super().__init__("\n".join([title, *("  " + ln for ln in lines)]), hint=hint)


class ToolMissingError(HarnessError):
    """A program the platform needs (haproxy, toxiproxy server, initdb, docker) is missing."""


class PortInUseError(HarnessError):
    """A port the stack needs is taken by another process."""


class StackError(HarnessError):
    """The stack could not be started, found, or stopped."""


class StackBusy(HarnessError):
    """Another shopchaos command holds the stack (one harness per stack); names the holder."""


class FaultError(HarnessError):
    """A fault could not be applied or reverted."""


class LoadError(HarnessError):
    """The load process failed or stopped streaming."""


class PlatformUnavailableError(HarnessError):
    """The platform's engine (e.g. Docker) is not reachable."""


class RecordError(HarnessError):
    """A run record is missing, unreadable, or from an unsupported schema version."""


class RunAborted(HarnessError):
    """An abort condition fired; faults were reverted. Raised only to unwind the runner."""


class Interrupted(HarnessError):
    """The run was interrupted by SIGINT, SIGTERM or SIGHUP; faults were reverted."""

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        signal: str | None = None,
        run_dir: Path | None = None,
    ):
        super().__init__(message, hint=hint)
        self.signal = signal
        self.run_dir = run_dir  # where an interrupted run left its record (reports follow it)

"""Setup steps of a stack: migrate, collect static files, seed — run once per `up`, in order.

Each step is a command (an argv template, placeholders as in `local.command`), with its own
environment, working directory (relative to the stack file's directory) and time limit. Its
exit code is checked; on failure or timeout the error names the step and quotes the last lines
of its log. `database.init` is kept as the first step, named `database-init`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import StackError
from harness.names import Arg, EnvName

DEFAULT_TIMEOUT = 300.0


class SetupStep(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,40}$")
    command: list[Arg] = Field(min_length=1)
    env: dict[EnvName, Arg] = Field(default_factory=dict)
    cwd: Arg | None = None  # relative to the stack file's directory (the default)
    timeout: float = Field(default=DEFAULT_TIMEOUT, gt=0, le=7200)


def run_step(
    step: SetupStep,
    *,
    context: Mapping[str, object],
    base_dir: Path,
    env: Mapping[str, str],
    log: Path,
) -> None:
    """Run one step to completion; StackError naming it (exit code or timeout, log tail)."""
    argv = [part.format_map(context) for part in step.command]
    step_env = {k: v.format_map(context) for k, v in step.env.items()}
    cwd = resolve_dir(base_dir, step.cwd)
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"$ {' '.join(argv)}   (cwd {cwd})\n".encode())
        out.flush()
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
                env={**os.environ, **env, **step_env},
                start_new_session=True,
            )
        except OSError as e:
            raise StackError(f"setup step '{step.name}': cannot run {argv[0]}: {e}") from e
        try:
            returncode = proc.wait(timeout=step.timeout)
        except subprocess.TimeoutExpired as e:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # the step and everything it started
            proc.wait(10)
            raise StackError(
                f"setup step '{step.name}' did not finish within {step.timeout:g}s; "
                f"last lines of {log}:\n{tail(log)}",
                hint=f"raise setup[{step.name}].timeout in the stack file if it needs longer",
            ) from e
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)  # nothing a step started outlives it
    if returncode != 0:
        raise StackError(
            f"setup step '{step.name}' failed (exit {returncode}); last lines of {log}:\n"
            + tail(log),
            hint="fix the cause above; `shopchaos up` cleaned up what it had started",
        )


def resolve_dir(base_dir: Path, cwd: str | None) -> Path:
    path = base_dir if cwd is None else (base_dir / cwd)
    if not path.is_dir():
        raise StackError(f"working directory {path} does not exist (relative to {base_dir})")
    return path.resolve()


def tail(log: Path, lines: int = 20) -> str:
    try:
        text = log.read_bytes()[-16384:].decode("utf-8", errors="replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(text[-lines:]) or "(log is empty)"

"""`exec`: run a command to apply the fault and another to revert it (argv lists, never a
shell), with env, cwd and a timeout each.

Each command runs in its own session (a Ctrl-C in the terminal reaches only the harness, which
then reverts in order) and a command that outlives its timeout is killed with its whole process
group. Besides its `env:`, a command gets the stack's addresses in its environment:
SHOPCHAOS_ENTRY_URL, SHOPCHAOS_TOXIPROXY_URL, SHOPCHAOS_DATABASE_URL, SHOPCHAOS_STATE_DIR,
SHOPCHAOS_FAULT_ID, SHOPCHAOS_SERVICE_URL_<SERVICE> and SHOPCHAOS_PROXY_<DEPENDENCY> (upper
case, dashes as underscores). The revert must be safe to run twice and after a failed apply.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path
from typing import Literal

from pydantic import Field

from harness.errors import FaultError
from harness.faults._custom import CustomSpec, JournaledFault
from harness.faults.base import FaultContext
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register
from harness.platforms.base import Endpoints
from harness.scenario.durations import Duration


class ExecSpec(CustomSpec):
    type: Literal["exec"]
    apply: list[str] = Field(min_length=1, description="argv of the command that applies it")
    revert: list[str] | None = Field(
        default=None, min_length=1, description="argv of the command that reverts it"
    )
    env: dict[str, str] = Field(default_factory=dict, description="added to the environment")
    cwd: str | None = Field(default=None, description="working directory (default: the run's)")
    timeout: Duration = Field(default=30.0, gt=0, le=600, description="per command")


def _env_name(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def stack_env(endpoints: Endpoints, state_dir: Path, fault_id: str) -> dict[str, str]:
    env = {
        "SHOPCHAOS_ENTRY_URL": endpoints.entry_url,
        "SHOPCHAOS_TOXIPROXY_URL": endpoints.toxiproxy_url,
        "SHOPCHAOS_DATABASE_URL": endpoints.database_url,
        "SHOPCHAOS_STATE_DIR": str(state_dir),
        "SHOPCHAOS_FAULT_ID": fault_id,
    }
    env.update(
        {f"SHOPCHAOS_SERVICE_URL_{_env_name(n)}": u for n, u in endpoints.service_urls.items()}
    )
    env.update({f"SHOPCHAOS_PROXY_{_env_name(d)}": p for d, p in endpoints.proxies.items()})
    return env


def _program(argv: list[str], cwd: str | None) -> str:
    """The program argv[0] names, found on PATH or relative to cwd; FaultError if missing."""
    first = argv[0]
    if os.sep in first:
        path = Path(cwd or ".") / first if not os.path.isabs(first) else Path(first)
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    elif (found := shutil.which(first)) is not None:
        return found
    raise FaultError(f"no program {first!r} (not on PATH or not executable)")


def exec_targets(spec: ExecSpec, ctx: FaultContext) -> Targets:
    """Checks, without running anything, that the programs exist and the cwd is a directory."""
    if spec.cwd is not None and not Path(spec.cwd).is_dir():
        raise FaultError(f"cwd {spec.cwd!r} is not a directory")
    _program(spec.apply, spec.cwd)
    if spec.revert is not None:
        _program(spec.revert, spec.cwd)
    return Targets(spec.target or " ".join(spec.apply)[:80])


def run_command(argv: list[str], *, env: dict[str, str], cwd: str | None, timeout: float) -> str:
    """Run one command; its output on success, FaultError (with its stderr) otherwise."""
    try:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # Ctrl-C in the terminal goes to the harness only
        )
    except OSError as e:
        raise FaultError(f"cannot run {argv[0]!r}: {e.strerror}") from e
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as e:
        _kill_group(proc)
        raise FaultError(f"{' '.join(argv)[:120]} did not finish within {timeout:g}s") from e
    if proc.returncode != 0:
        tail = (err or out).strip()[-400:]
        raise FaultError(f"{' '.join(argv)[:120]} exited {proc.returncode}: {tail}")
    return out


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


class ExecFault(JournaledFault):
    def __init__(self, spec: ExecSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        super().__init__(spec, ctx, meta)
        self.exec_spec = spec
        self.has_revert = spec.revert is not None
        self.env = {**stack_env(ctx.endpoints, self.state_dir, meta.id), **spec.env}

    def _run(self, argv: list[str]) -> None:
        s = self.exec_spec
        run_command(argv, env=self.env, cwd=s.cwd, timeout=s.timeout)

    def _apply(self) -> None:
        self._run(self.exec_spec.apply)

    def _revert(self) -> None:
        if self.exec_spec.revert is not None:
            self._run(self.exec_spec.revert)


@register(
    "exec",
    "custom",
    ExecSpec,
    "run a command to apply, another to revert (argv, env, cwd, timeout)",
    self_healing=False,
    targets=exec_targets,
)
def build_exec(spec: ExecSpec, ctx: FaultContext, meta: FaultMeta) -> ExecFault:
    return ExecFault(spec, ctx, meta)

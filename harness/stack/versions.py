"""The versions a run's report shows for the stack: each `versions:` command of the stack file
(run in the stack file's directory, bounded), its first line of output."""

from __future__ import annotations

import subprocess
import sys

from harness.stack.model import StackSpec

TIMEOUT = 10.0


def stack_versions(spec: StackSpec) -> dict[str, str]:
    return {name: _first_line(spec, argv) for name, argv in spec.versions.items()}


def _first_line(spec: StackSpec, template: list[str]) -> str:
    argv = [part.format_map({"python": sys.executable}) for part in template]
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
            cwd=spec.base_dir,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"? ({type(e).__name__})"
    lines = [ln.strip() for ln in (done.stdout or done.stderr).splitlines() if ln.strip()]
    first = lines[0][:80] if lines else ""
    return first if done.returncode == 0 else f"? (exit {done.returncode}) {first}".strip()

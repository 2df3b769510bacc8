"""The README's first command works on a fresh machine: scripts/fresh-machine-check runs
`make run` on a clean clone in a container made from the project's own debootstrap base, with
only the documented prerequisites supplied (docs/ci.md). It proves setup installs everything
`make run` needs; a removed install step fails it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.docker_engine import require_engine

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.e2e, pytest.mark.fresh_machine, pytest.mark.timeout(2800)]


def test_make_run_works_from_nothing() -> None:
    require_engine()
    done = subprocess.run(
        [str(ROOT / "scripts" / "fresh-machine-check")],
        capture_output=True,
        text=True,
        timeout=2700,
        check=False,
        cwd=ROOT,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert "make run exited 0 and wrote reports/" in out or "PASSED WITH A WARNING" in out, out
    for step in ("installing Debian packages", "creating .venv", "building Toxiproxy"):
        assert step in out, f"setup did not {step!r} from nothing:\n{out[-3000:]}"

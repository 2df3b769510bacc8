"""Bringing a ground-truth stack up on the local platform and running its scenarios through the
real runner: what tests/integration/test_ground_truth.py and bench/truth.py share."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.platforms.base import StackOptions
from harness.platforms.local import LocalPlatform
from harness.record.model import RunRecord
from harness.scenario.loader import load_file
from harness.scenario.runner import RunOptions, SilentUI, run
from harness.stack.loader import load_stack
from tests.stacks import truth

ROOT = Path(__file__).resolve().parents[2]
STACKS = Path(__file__).resolve().parent


def stack_file(name: str) -> Path:
    return STACKS / name / "stack.yaml"


def scenario_file(name: str, scenario: str) -> Path:
    return STACKS / name / "scenarios" / f"{scenario}.yaml"


def make_importable() -> None:
    """The stacks' apps and user classes live under tests/: put the repository on PYTHONPATH so
    the processes the platform and the load generator start can import them from any cwd."""
    paths = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    if str(ROOT) not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), *paths]))


def platform_for(name: str, state_root: Path) -> LocalPlatform:
    """The local platform of stack `name`, in the directory `--state-dir state_root` finds."""
    spec, path = load_stack(stack_file(name))
    return LocalPlatform(
        spec, state_root / f"local-{spec.name}", spec_path=path, entry_port=0, toxiproxy_port=0
    )


@contextmanager
def stack_up(name: str, state_root: Path) -> Iterator[LocalPlatform]:
    """Stack `name` up on free ports for the duration of the block, down after it."""
    make_importable()
    platform = platform_for(name, state_root)
    try:
        platform.up(StackOptions())
        yield platform
    finally:
        platform.down()


def data_dir(platform: LocalPlatform) -> Path:
    """What the stack file's {state_dir} stands for on the local platform (docs/stacks.md)."""
    return platform.state_dir / "data"


def events(platform: LocalPlatform) -> list[truth.Event]:
    return truth.read(data_dir(platform))


def run_scenario(
    platform: LocalPlatform,
    name: str,
    scenario: str,
    reports: Path,
    *,
    seed: int = 1,
    repeat: int | None = None,
) -> RunRecord:
    """Run one of the stack's scenarios through the runner; the stack stays up."""
    loaded = load_file(scenario_file(name, scenario), platform.spec)
    opts = RunOptions(reports_dir=reports, seed=seed, repeat=repeat, keep_stack=True)
    record, _ = run([loaded], platform, opts, SilentUI())
    return record

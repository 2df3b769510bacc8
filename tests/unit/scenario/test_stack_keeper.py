"""The stack a run uses: held for the whole run, switched for a scenario, left as it was found.

A platform that keeps its 'running' options in memory stands in for a real one: what is tested
is the keeper's decisions (when to bring up, restore, take down) and its hold on the lock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import StackBusy
from harness.platforms import _lock
from harness.platforms.base import Progress, ResolvedOptions, StackOptions
from harness.scenario.stack_keeper import StackKeeper
from harness.stack.loader import load_stack
from tests.unit.platforms.lock_holder import start_holder, stop


class MemoryPlatform:
    name = "memory"

    def __init__(self, state_dir: Path, running: StackOptions | None = None) -> None:
        self.spec, _ = load_stack()
        self.state_dir = state_dir
        self.calls: list[str] = []
        self.running: ResolvedOptions | None = None
        if running is not None:
            self.running = running.resolve(self.spec).redacted()

    def resolve(self, options: StackOptions) -> ResolvedOptions:
        return options.resolve(self.spec)

    def options(self) -> ResolvedOptions | None:
        return self.running

    def is_up(self) -> bool:
        return self.running is not None

    def up(self, options: StackOptions, progress: Progress, *, restart: bool = False) -> None:
        assert _lock.is_held_here(self.state_dir)  # always under the keeper's lock
        wanted = self.resolve(options).redacted()
        if wanted != self.running:
            assert restart or self.running is None
            self.calls.append(f"up {wanted.profile}")
            self.running = wanted

    def down(self, progress: Progress) -> None:
        assert _lock.is_held_here(self.state_dir)
        self.calls.append("down")
        self.running = None


def test_a_stack_the_run_started_is_taken_down(tmp_path: Path) -> None:
    plat = MemoryPlatform(tmp_path)
    keeper = StackKeeper.begin(plat, print)  # type: ignore[arg-type]
    keeper.ensure(StackOptions())
    keeper.ensure(StackOptions(profile="unsafe"))
    keeper.finish()
    assert plat.calls == ["up default", "up unsafe", "down"]
    assert not _lock.is_held_here(tmp_path)


def test_the_users_stack_is_restored_after_a_scenario_needed_another_profile(
    tmp_path: Path,
) -> None:
    plat = MemoryPlatform(tmp_path, running=StackOptions(profile="no-retries", replicas=2))
    said: list[str] = []
    keeper = StackKeeper.begin(plat, said.append)  # type: ignore[arg-type]
    keeper.ensure(StackOptions(profile="unsafe"))
    keeper.finish()
    assert plat.calls == ["up unsafe", "up no-retries"]
    assert plat.running is not None and plat.running.replicas == 2
    assert plat.running.lb_profile == "fast-checks"  # the profile's, as the user had it
    assert "restoring the stack you had (replicas=2, db=sqlite, profile=no-retries" in said[-1]


def test_a_users_stack_that_matched_is_left_alone(tmp_path: Path) -> None:
    plat = MemoryPlatform(tmp_path, running=StackOptions())
    keeper = StackKeeper.begin(plat, print)  # type: ignore[arg-type]
    keeper.ensure(StackOptions())
    keeper.finish()
    assert plat.calls == []


@pytest.mark.parametrize(
    ("keep", "running", "calls"),
    [
        (True, None, ["up unsafe"]),  # --keep-stack: whatever runs stays up
        (True, StackOptions(), ["up unsafe"]),
        (False, StackOptions(), ["up unsafe", "down"]),  # --down: down even if it was up
    ],
)
def test_keep_stack_overrides(
    tmp_path: Path, keep: bool, running: StackOptions | None, calls: list[str]
) -> None:
    plat = MemoryPlatform(tmp_path, running=running)
    keeper = StackKeeper.begin(plat, print, keep)  # type: ignore[arg-type]
    keeper.ensure(StackOptions(profile="unsafe"))
    keeper.finish()
    assert plat.calls == calls


def test_the_lock_is_held_from_begin_to_finish_and_released_on_failure(tmp_path: Path) -> None:
    plat = MemoryPlatform(tmp_path)
    keeper = StackKeeper.begin(plat, print, command="pytest")  # type: ignore[arg-type]
    who = _lock.holder(tmp_path)
    assert who is not None and who.command == "pytest"

    def broken_down(progress: Progress) -> None:
        raise RuntimeError("down failed")

    keeper.ensure(StackOptions())
    plat.down = broken_down  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        keeper.finish()
    assert _lock.holder(tmp_path) is None


def test_a_busy_stack_stops_the_run_before_it_touches_anything(tmp_path: Path) -> None:
    proc, _ = start_holder(tmp_path)
    try:
        plat = MemoryPlatform(tmp_path)
        with pytest.raises(StackBusy, match=f"pid {proc.pid}"):
            StackKeeper.begin(plat, print)  # type: ignore[arg-type]
        assert plat.calls == []
    finally:
        stop(proc)

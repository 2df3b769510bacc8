"""Scenarios as pytest items: `pytest scenarios/` runs each scenario file as one test.

YAML files inside a directory named `scenarios` are collected (or any YAML file given with
`--shopchaos`). Each item runs its scenario against the stack (brought up once per session if
needed, taken down at the end if the session started it, restored to the user's options if a
scenario switched them); a failed expectation fails the test with the checks that broke. The
session holds the stack's lock from its first scenario to its end (one harness per stack).
Options: --shopchaos-platform, --shopchaos-time-scale, --shopchaos-repeat, --shopchaos-reports,
--shopchaos-stack, --shopchaos-state-dir.
Loaded through the `pytest11` entry point; importing it is cheap (no Locust, no Docker).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PLATFORM_KEY = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("shopchaos", "shopchaos scenarios")
    group.addoption("--shopchaos", action="store_true", help="collect any YAML file as a scenario")
    group.addoption("--shopchaos-platform", default="local", choices=["local", "compose"])
    group.addoption(
        "--shopchaos-time-scale",
        type=float,
        default=1.0,
        help="multiply phases and fault times (0.5 = half as long)",
    )
    group.addoption("--shopchaos-repeat", type=int, default=None, help="trials per scenario")
    group.addoption("--shopchaos-reports", default="reports", help="where run records go")
    group.addoption("--shopchaos-stack", default=None, help="a stack description (YAML)")
    group.addoption("--shopchaos-state-dir", default=None, help="where the stack keeps state")
    group.addoption("--shopchaos-seed", type=int, default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shopchaos: a scenario file run as a test")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    if parent.config.getoption("shopchaos") or file_path.parent.name == "scenarios":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from harness.scenario.loader import load_file

        loaded = load_file(self.path)
        item = ScenarioItem.from_parent(self, name=loaded.scenario.name, loaded=loaded)
        item.add_marker(pytest.mark.shopchaos)
        for tag in loaded.scenario.tags:  # tags become markers: `pytest scenarios/ -m smoke`
            marker = tag.replace("-", "_")
            self.config.addinivalue_line("markers", f"{marker}: scenario tag")
            item.add_marker(marker)
        yield item


class ScenarioFailed(Exception):
    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


class ScenarioItem(pytest.Item):
    def __init__(self, *, loaded: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        from harness.errors import HarnessError
        from harness.scenario.runner import RunOptions, SilentUI, run

        cfg = self.config
        try:
            platform = _session_platform(cfg)
        except HarnessError as e:  # another command holds the stack, the stack file is bad …
            raise ScenarioFailed([str(e)]) from e
        seed = cfg.getoption("shopchaos_seed") or random.SystemRandom().randrange(1, 2**31)
        opts = RunOptions(
            reports_dir=Path(cfg.getoption("shopchaos_reports")),
            seed=seed,
            repeat=cfg.getoption("shopchaos_repeat"),
            time_scale=cfg.getoption("shopchaos_time_scale"),
            keep_stack=True,
            argv=["pytest", str(self.path)],
        )
        record, run_dir = run([self.loaded], platform, opts, SilentUI())
        status = record.status.value
        if status != "passed":
            lines = [f"{self.name}: {status} (record: {run_dir / 'record.json'})"]
            for scenario in record.scenarios:
                for trial in scenario.trials:
                    lines += [
                        f"  trial {trial.index + 1}: {c.scope} {c.name}: expected "
                        f"{c.expected}, observed {c.observed}"
                        for c in trial.checks
                        if c.verdict == "fail"
                    ]
                    lines += [
                        f"  trial {trial.index + 1}: inconclusive: {e.message}"
                        for e in trial.evidence
                    ]
                    lines += [
                        f"  trial {trial.index + 1}: {c.scope} {c.name}: inconclusive ({c.reason})"
                        for c in trial.checks
                        if c.verdict == "inconclusive" and not trial.evidence
                    ]
                    lines += [f"  trial {trial.index + 1}: {e}" for e in trial.errors]
                    if trial.abort:
                        lines.append(f"  trial {trial.index + 1}: aborted: {trial.abort.reason}")
            raise ScenarioFailed(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return "\n".join(excinfo.value.lines)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"scenario: {self.name}"


def _session_platform(config: pytest.Config) -> Any:
    """The session's platform, its lock taken on first use (a StackKeeper, kept till the end)."""
    if PLATFORM_KEY not in config.stash:
        from harness.platforms.base import no_progress
        from harness.platforms.factory import make_platform
        from harness.scenario.stack_keeper import StackKeeper

        stack = config.getoption("shopchaos_stack")
        state = config.getoption("shopchaos_state_dir")
        platform = make_platform(
            config.getoption("shopchaos_platform"),
            stack=Path(stack) if stack else None,
            state_dir=Path(state) if state else None,
            entry_port=0,
            toxiproxy_port=0,
        )
        keeper = StackKeeper.begin(platform, no_progress, command="pytest")
        config.stash[PLATFORM_KEY] = keeper
    return config.stash[PLATFORM_KEY].platform


def pytest_unconfigure(config: pytest.Config) -> None:
    if PLATFORM_KEY in config.stash:
        config.stash[PLATFORM_KEY].finish()  # down, or the user's stack restored; lock released

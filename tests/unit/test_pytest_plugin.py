"""The pytest plugin, black-box with pytester: its session holds the stack like any command."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.platforms import _lock

pytest_plugins = ["pytester"]

SCENARIO = """\
name: busy-check
load: {users: 2, spawn_rate: 2}
phases: {warmup: 1s, baseline: 1s, observe: 1s}
"""


def test_a_session_on_a_busy_stack_fails_naming_the_holder(
    pytester: pytest.Pytester, tmp_path: Path
) -> None:
    scenarios = pytester.mkdir("scenarios")
    (scenarios / "busy.yaml").write_text(SCENARIO)
    state = tmp_path / "state"
    with _lock.hold(state / "local-sample-shop", "run"):  # this process: another harness
        result = pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", f"--shopchaos-state-dir={state}", "-q"
        )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"*in use by another shopchaos command: pid {os.getpid()}*"])

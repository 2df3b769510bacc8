"""Adopt only what matches: file content and options decide, and the message says what changed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from harness.errors import StackError
from harness.platforms import _adopt
from harness.platforms.base import ResolvedOptions, StackOptions
from harness.stack.loader import load_stack


def options(**kw: object) -> ResolvedOptions:
    spec, _ = load_stack()
    return StackOptions.model_validate(kw).resolve(spec)


def test_digests_follow_content_not_time(tmp_path: Path) -> None:
    f = tmp_path / "stack.yaml"
    f.write_text("name: a\n")
    first = _adopt.digests([f, None])
    os.utime(f, (1, 1))  # touched, same content
    assert _adopt.digests([f]) == first
    f.write_text("name: b\n")
    assert _adopt.digests([f]) != first
    f.unlink()
    assert _adopt.digests([f]) == {str(f.resolve()): "missing"}


def test_same_files_and_options_match() -> None:
    files = {"/s/stack.yaml": "abc"}
    opts = options(profile="no-retries")
    assert (
        _adopt.changes(
            running=opts.redacted(),  # as the state keeps them
            running_files=files,
            wanted=opts,
            wanted_files=dict(files),
            since=0,
        )
        == []
    )


def test_a_changed_file_is_named_with_when_the_stack_came_up() -> None:
    reasons = _adopt.changes(
        running=options(),
        running_files={"/s/stack.yaml": "abc"},
        wanted=options(),
        wanted_files={"/s/stack.yaml": "def"},
        since=0,
    )
    assert len(reasons) == 1
    assert reasons[0].startswith("/s/stack.yaml changed since the stack was brought up (at 19")


def test_another_file_and_other_options_are_both_said() -> None:
    reasons = _adopt.changes(
        running=options(),
        running_files={"/s/stack.yaml": "abc"},
        wanted=options(replicas=2),
        wanted_files={"/t/other.yaml": "abc"},
        since=0,
    )
    assert "brought up" in reasons[0] and "from /s/stack.yaml, not from /t/other.yaml" in reasons[0]
    assert "other options (replicas=3" in reasons[1] and "asked: replicas=2" in reasons[1]


def test_a_state_without_digests_is_not_adopted_blindly() -> None:
    reasons = _adopt.changes(
        running=options(),
        running_files={},
        wanted=options(),
        wanted_files={"/s/stack.yaml": "abc"},
        since=0,
    )
    assert reasons and "does not record" in reasons[0]


def test_adopt_restart_or_refuse() -> None:
    said: list[str] = []
    assert _adopt.adopt_or_restart([], restart=False, platform="local", progress=said.append)
    assert "adopting it" in said[-1]
    assert not _adopt.adopt_or_restart(
        ["x changed"], restart=True, platform="local", progress=said.append
    )
    assert "x changed" in said[-1] and "Restarting it" in said[-1]
    with pytest.raises(StackError) as exc:
        _adopt.adopt_or_restart(
            ["x changed"], restart=False, platform="compose", progress=said.append
        )
    assert exc.value.message == "the stack is already up, but x changed"
    hint = exc.value.hint or ""
    assert "`shopchaos up --platform compose --restart`" in hint
    assert "`shopchaos down --platform compose`" in hint

"""status, down and recover without --stack find every stack under the state dir, any name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import StackError
from harness.platforms.discovery import find_stacks, open_stack
from harness.platforms.local import LocalPlatform
from harness.stack.loader import default_stack_path


def own_stack_file(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    text = default_stack_path().read_text().replace("name: sample-shop", f"name: {name}", 1)
    path.write_text(text)
    return path


def write_state(root: Path, dirname: str, **fields: object) -> Path:
    d = root / dirname
    d.mkdir(parents=True)
    (d / "stack.json").write_text(json.dumps(fields))
    return d


def test_every_stack_with_a_state_file_is_found_with_its_stack_file(tmp_path: Path) -> None:
    root = tmp_path / "state"
    mine = own_stack_file(tmp_path, "my-shop")
    write_state(root, "local-my-shop", stack="my-shop", spec_path=str(mine), complete=True)
    write_state(root, "local-half", stack="half", spec_path=None, complete=False)
    (root / "local-empty").mkdir()  # no state file: nothing there
    write_state(root, "compose-other", stack="other", complete=True)
    d = root / "local-broken"
    d.mkdir()
    (d / "stack.json").write_text("{not json")

    found = find_stacks("local", root)
    assert [(f.stack, f.complete) for f in found] == [
        ("broken", False),
        ("half", False),
        ("my-shop", True),
    ]
    assert found[2].spec_path == mine
    assert [f.stack for f in find_stacks("compose", root)] == ["other"]
    assert find_stacks("local", tmp_path / "nothing-here") == []


def test_a_found_stack_is_opened_with_its_own_stack_file_and_directory(tmp_path: Path) -> None:
    mine = own_stack_file(tmp_path, "my-shop")
    d = write_state(tmp_path, "local-my-shop", stack="my-shop", spec_path=str(mine), complete=True)
    (found,) = find_stacks("local", tmp_path)
    plat = open_stack(found)
    assert isinstance(plat, LocalPlatform)
    assert plat.spec.name == "my-shop"
    assert plat.state_dir == d.resolve()
    assert plat.spec_path == mine


def test_a_stack_file_gone_since_up_is_said_or_for_down_tolerated(tmp_path: Path) -> None:
    gone = tmp_path / "gone.yaml"
    d = write_state(tmp_path, "local-gone", stack="gone", spec_path=str(gone), complete=True)
    (found,) = find_stacks("local", tmp_path)
    with pytest.raises(StackError) as exc:
        open_stack(found)
    assert f"brought up from {gone}, which cannot be read now" in exc.value.message
    assert "--stack" in (exc.value.hint or "")
    said: list[str] = []
    plat = open_stack(found, lenient=True, progress=said.append)
    assert plat.state_dir == d.resolve()  # down still acts on that stack's processes
    assert "stopping 'gone' by its state" in said[0]

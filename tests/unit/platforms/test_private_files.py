"""State directories 0700, state files 0600, and a umask for what started processes create."""

from __future__ import annotations

import os
from pathlib import Path

from harness.platforms._private_files import mode, private_dir, private_umask, write_private


def test_private_dir_makes_missing_parents_private_and_leaves_existing_ones(
    tmp_path: Path,
) -> None:
    tmp_path.chmod(0o755)
    d = private_dir(tmp_path / "root" / "local-shop")
    assert mode(d) == 0o700 and mode(d.parent) == 0o700
    assert mode(tmp_path) == 0o755  # the user's directory, not ours
    d.chmod(0o755)  # made by an older version
    private_dir(d)
    assert mode(d) == 0o700


def test_write_private_replaces_a_readable_file_atomically(tmp_path: Path) -> None:
    f = tmp_path / "state" / "stack.json"
    f.parent.mkdir()
    f.write_text("old")
    f.chmod(0o644)
    write_private(f, "new")
    assert f.read_text() == "new"
    assert mode(f) == 0o600
    assert [p.name for p in f.parent.iterdir()] == ["stack.json"]  # no temp file left


def test_files_made_under_the_private_umask_are_0600(tmp_path: Path) -> None:
    before = os.umask(0o022)
    os.umask(before)
    with private_umask():
        (tmp_path / "db.sqlite").write_text("x")
    (tmp_path / "later").write_text("x")
    assert mode(tmp_path / "db.sqlite") == 0o600
    assert mode(tmp_path / "later") == 0o666 & ~before  # restored afterwards

"""Reading input files: every file YAML cannot read is a located InputError, never a traceback."""

import os
from pathlib import Path

import pytest

from harness import _yaml
from harness._yaml.text import MAX_BYTES
from harness.errors import InputError


def read_error(tmp_path: Path, raw: bytes) -> InputError:
    p = tmp_path / "f.yaml"
    p.write_bytes(raw)
    with pytest.raises(InputError) as exc:
        _yaml.read(p)
    return exc.value


def test_a_byte_that_is_not_utf8_is_located_with_its_line_and_column(tmp_path: Path) -> None:
    (problem,) = read_error(tmp_path, b"name: x\ndescription: caf\xe9 au lait\n").problems
    assert problem.line == 2
    assert problem.message == "not UTF-8: byte 0xE9 at column 17"
    assert "UTF-8" in (problem.hint or "")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_named(tmp_path: Path, encoding: str) -> None:
    (problem,) = read_error(tmp_path, "name: x\nrepeat: 1\n".encode(encoding)).problems
    assert "UTF-16" in problem.message or "UTF-32" in problem.message
    assert problem.line == 1
    assert "save the file as UTF-8" in (problem.hint or "")


@pytest.mark.parametrize(
    ("raw", "line", "code"),
    [(b"name: x\ndescription: a\x07b\n", 2, "U+0007"), (b"a: 1\n\nb: \x00\n", 3, "U+0000")],
)
def test_a_control_character_is_located(tmp_path: Path, raw: bytes, line: int, code: str) -> None:
    (problem,) = read_error(tmp_path, raw).problems
    assert problem.line == line
    assert code in problem.message and "control characters are not allowed" in problem.message


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    p = tmp_path / "f.yaml"
    p.write_bytes("\ufeffname: café\n".encode())
    assert _yaml.read(p).data == {"name": "café"}


def test_a_file_past_the_size_bound_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    name = "a" * (3 * 1024 * 1024)  # a 3 MB name
    error = read_error(tmp_path, f"name: {name}\n".encode())
    assert "larger than 256 KiB" in str(error)
    assert len(str(error)) < 500
    assert MAX_BYTES == 256 * 1024


def test_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # opening it for reading would block until a writer comes
    with pytest.raises(InputError, match="not a regular file"):
        _yaml.read(fifo)
    with pytest.raises(InputError, match="not a regular file"):
        _yaml.read(Path("/dev/zero"))
    with pytest.raises(InputError, match="cannot read file"):
        _yaml.read(tmp_path / "missing.yaml")


def test_text_given_directly_is_checked_too() -> None:
    with pytest.raises(InputError) as exc:
        _yaml.parse("a: 1\nb: \x1b[31m\n", "given")
    assert exc.value.problems[0].line == 2

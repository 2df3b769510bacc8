"""Read an input file as text, or say exactly why not: too large, not a regular file, not UTF-8
(UTF-16 named as such), or a control character YAML does not allow, each with its line."""

from __future__ import annotations

import re
import stat
import unicodedata
from pathlib import Path

from harness.errors import InputError, Problem

MAX_BYTES = 256 * 1024  # the largest scenario in the library is ~3 KB, the sample stack ~4 KB

_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)
# what YAML 1.1 calls printable: tab, line breaks, and everything else but control characters
_NOT_PRINTABLE = re.compile(
    "[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
SAVE_AS_UTF8 = "save the file as UTF-8 (any editor's 'Save with encoding' does it)"


def read(path: Path) -> str:
    """The file's text; InputError (located where possible) for anything YAML should not see."""
    file = str(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO would block, /dev/zero never end
            raise InputError(file, [Problem("", "not a regular file", None, "give a YAML file")])
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except OSError as e:
        raise InputError(file, [Problem("", f"cannot read file: {e.strerror}")]) from e
    if len(raw) > MAX_BYTES:
        raise InputError(file, [_too_large()])
    return decode(raw, file)


def decode(raw: bytes, file: str) -> str:
    for bom, name in _BOMS:
        if raw.startswith(bom):
            raise InputError(file, [Problem("", f"the file is {name}, not UTF-8", 1, SAVE_AS_UTF8)])
    if _looks_utf16(raw):
        raise InputError(
            file,
            [Problem("", "the file looks like UTF-16 (every other byte is 0)", 1, SAVE_AS_UTF8)],
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        column = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        byte = raw[e.start : e.start + 1].hex().upper()
        raise InputError(
            file,
            [Problem("", f"not UTF-8: byte 0x{byte} at column {column}", line, SAVE_AS_UTF8)],
        ) from e
    check_text(text, file)
    return text


def check_text(text: str, file: str) -> None:
    """Refuse text YAML would refuse with a traceback: too long, or a control character."""
    if len(text) > MAX_BYTES:
        raise InputError(file, [_too_large()])
    bad = _NOT_PRINTABLE.search(text)
    if bad is None:
        return
    ch = bad.group()
    line = text.count("\n", 0, bad.start()) + 1
    column = bad.start() - (text.rfind("\n", 0, bad.start()) + 1) + 1
    name = unicodedata.name(ch, "a control character")
    raise InputError(
        file,
        [
            Problem(
                "",
                f"U+{ord(ch):04X} ({name}) at column {column}: control characters are not allowed",
                line,
                "delete it; inside a double-quoted string write it as an escape (e.g. \\t)",
            )
        ],
    )


def _looks_utf16(raw: bytes) -> bool:
    head = raw[:200]
    quarter = len(head) // 4
    return len(head) >= 4 and max(head[1::2].count(0), head[0::2].count(0)) > quarter


def _too_large() -> Problem:
    return Problem(
        "",
        f"the file is larger than {MAX_BYTES // 1024} KiB, the most an input file may have",
        None,
        "a scenario or stack description is a few KB; split it or remove generated content",
    )

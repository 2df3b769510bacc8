"""Requests in bulk: the record stream as columns of machine numbers, one line per flush.

The load process's request listener runs once a request and costs the load what it spends, so
it only keeps Locust's values as they come: one `Row` onto a flat list (`list.extend` of a tuple
that is freed at once, so the cyclic GC sees no new object kept: a tuple kept a request until
the flush cost the load more in GC than the listener saved). Every flush (50 ms) turns the
rows into columns with C-level loops and writes them as one line:

["b", n, names, errors, data]
    names   the request names this batch uses; each record holds an index into it
    errors  [[i, text], ...]: the records that failed with an exception, and its text
    data    base64 of five little-endian columns of n values each: start (float64 seconds),
            duration (float64 milliseconds, as Locust gives it), name index (uint32),
            status (uint16; 0 when no response arrived), user (int64)

A batch stands alone (its own names), so a master forwards a remote worker's batches as they
are, with only their clock moved (`shift`). What it saves shows in the load process at full
speed, not in a tight loop (where a line a request costs about the same): docs/performance.md
has the side-by-side figures (bench/scaling.py's overhead, bench/costs.py's record rows).
No Locust import here: both sides use this module.
"""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable
from itertools import compress, count
from operator import methodcaller
from typing import Any

from harness.measure.timeline import RequestRecord

TAG = "b"
# start, duration (ms), name index, status, user: array typecodes and their byte sizes
COLUMNS = (("d", 8), ("d", 8), ("I", 4), ("H", 2), ("q", 8))
RECORD_BYTES = sum(size for _, size in COLUMNS)
ERROR_MAX = 200  # characters of an exception's text a record keeps
_BIG_ENDIAN = sys.byteorder == "big"
_USER = methodcaller("get", "user", 0)

# What the listener keeps of one request event: start (s), duration (ms), request type, name,
# status (None or 0: no response), the exception's text (error_text; not the exception, whose
# traceback holds the request's frames and response until the flush, and past the next young
# collection), context (Locust's request context)
Row = tuple[float, float, str, str, Any, str | None, Any]
ROW_FIELDS = 7

for _code, _size in COLUMNS:  # the wire is fixed-size: refuse a platform where it is not
    assert array(_code).itemsize == _size, f"array({_code!r}) is not {_size} bytes here"


def label(request_type: str, name: str) -> str:
    """The record's name: Locust's name, prefixed by the method when it is not already."""
    return name if name.startswith(request_type) else f"{request_type} {name}"


def error_text(e: BaseException | str) -> str:
    """What a record keeps of a request's exception: its type and message, cut at ERROR_MAX; a
    text (the listener's, already made) as it is, cut."""
    return (e if isinstance(e, str) else f"{type(e).__name__}: {e}")[:ERROR_MAX]


def encode(flat: list[Any]) -> str:
    """The batch line of rows laid end to end in `flat` (not empty)."""
    n, left = divmod(len(flat), ROW_FIELDS)
    if left or not n:
        raise ValueError(f"{len(flat)} values are not whole rows of {ROW_FIELDS}")
    starts, durations, types, names, statuses, exceptions, contexts = (
        flat[i::ROW_FIELDS] for i in range(ROW_FIELDS)
    )
    table: defaultdict[tuple[str, str], int] = defaultdict(count().__next__)
    columns = (
        array("d", starts),
        array("d", durations),
        array("I", map(table.__getitem__, zip(types, names, strict=True))),
        _statuses(statuses),
        _users(contexts),
    )
    errors = [[i, error_text(exceptions[i])] for i in compress(range(n), exceptions)]
    return _line(n, [label(t, name) for t, name in table], errors, columns)


def whole(flat: list[Any]) -> tuple[list[Any], int]:
    """The rows of `flat` that `encode` can write, and how many it cannot: a team's own client
    may fire a request event with a start or a duration that is not a number, or a name that
    is not a string (Locust's clients never do). One such row must not cost the batch."""
    kept: list[Any] = []
    dropped = 0
    for at in range(0, len(flat) - len(flat) % ROW_FIELDS, ROW_FIELDS):
        start, duration, kind, name = flat[at : at + 4]
        if _number(start) and _number(duration) and type(kind) is str and type(name) is str:
            kept += flat[at : at + ROW_FIELDS]
        else:
            dropped += 1
    return kept, dropped + (1 if len(flat) % ROW_FIELDS else 0)


def _number(value: Any) -> bool:
    return type(value) in (int, float) and math.isfinite(value)


def decode(item: list[Any]) -> list[RequestRecord]:
    """The records of a decoded batch line; ValueError when its data does not add up."""
    n, names, errors, columns = _columns(item)
    texts: list[str | None] = [None] * n
    for i, text in errors:
        texts[i] = sys.intern(text)
    interned = [sys.intern(name) for name in names]
    starts, durations, index, statuses, users = columns
    return list(
        map(
            RequestRecord,
            starts,
            map((1000.0).__rtruediv__, durations),  # ms -> s
            map(interned.__getitem__, index),
            statuses,
            texts,
            users,
        )
    )


def shift(item: list[Any], dt: float) -> str:
    """The batch line again with every start moved by `dt` seconds (a remote worker's clock)."""
    n, names, errors, columns = _columns(item)
    starts, *rest = columns
    return _line(n, names, errors, (array("d", map(dt.__add__, starts)), *rest))


def _line(n: int, names: list[str], errors: list[list[Any]], columns: Iterable[array[Any]]) -> str:
    data = base64.b64encode(b"".join(_little(c).tobytes() for c in columns)).decode()
    return json.dumps([TAG, n, names, errors, data], separators=(",", ":"))


def _columns(item: list[Any]) -> tuple[int, list[str], list[list[Any]], list[array[Any]]]:
    _, n, names, errors, data = item
    raw = base64.b64decode(data, validate=True)
    if not isinstance(n, int) or len(raw) != n * RECORD_BYTES:
        raise ValueError(f"a batch of {n!r} records has {len(raw)} bytes")
    columns, at = [], 0
    for code, size in COLUMNS:
        column = array(code)
        column.frombytes(raw[at : at + n * size])
        columns.append(_little(column))
        at += n * size
    if n and max(columns[2]) >= len(names):
        raise ValueError(f"a batch names {len(names)} requests but uses #{max(columns[2])}")
    return n, names, errors, columns


def _little(column: array[Any]) -> array[Any]:
    """`column` in little-endian order (its own on every common machine: then unchanged)."""
    if _BIG_ENDIAN:
        column = array(column.typecode, column)
        column.byteswap()
    return column


def _statuses(statuses: list[Any]) -> array[int]:
    try:
        return array("H", statuses)
    except (TypeError, OverflowError):  # None (no response), or a client's own odd value
        return array("H", [s if type(s) is int and 0 <= s < 1 << 16 else 0 for s in statuses])


def _users(contexts: list[Any]) -> array[int]:
    try:
        return array("q", map(_USER, contexts))
    except (AttributeError, TypeError, OverflowError):  # no context, or a user that is not ours
        return array("q", [_user(c) for c in contexts])


def _user(context: Any) -> int:
    user = context.get("user", 0) if isinstance(context, dict) else 0
    return user if type(user) is int and -(1 << 63) <= user < 1 << 63 else 0

"""What the load process tells the harness, one JSON array per line on its stdout.

["b", n, names, errors, data]                          n requests in columns (load/batch.py):
                                                        what a load process writes every flush
["r", t_us, duration_us, name, status, error, user]    one request (RequestRecord), its times in
                                                        whole microseconds: the form before
                                                        batches, still read from older workers
["l", event, t, key, order_id, status, user, detail]    a client-side ledger entry
["s", what, t, value]                                   a state change: started, users, stopped,
                                                        lag (p99 event-loop lag of the last second)
["e", message]                                          a fatal error in the load process

With several load processes (load.workers > 1) a state that belongs to one worker says so after
a colon: "lag:0", "lag:master", "clock:2" (the same format; `worker_state`, `split_state`).
No Locust import here: both sides use this module.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any, Literal

from harness.load import batch
from harness.measure.timeline import RequestRecord

LedgerKind = Literal["attempt", "ack", "fail"]


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A checkout as the customer saw it: tried, acknowledged (with an order id), or failed."""

    t: float
    event: LedgerKind
    key: str  # the idempotency key the customer used
    order_id: str | None
    status: int
    user: int
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class StateChange:
    what: str
    t: float
    value: float | None


def encode_request(r: RequestRecord) -> str:
    return encode_request_fields(r.t, r.duration, r.name, r.status, r.error, r.user)


_NAMES: dict[str, str] = {}  # request name -> its JSON string (names repeat: "GET /products")
NAMES_MAX = 4096  # names remembered; a load with more encodes the rest each time


def json_name(name: str) -> str:
    """`name` as a JSON string, remembered (a request name is encoded once, not per request)."""
    encoded = _NAMES.get(name)
    if encoded is None:
        encoded = json.dumps(name)
        if len(_NAMES) < NAMES_MAX:
            _NAMES[name] = encoded
    return encoded


def encode_request_fields(
    t: float, duration: float, name: str, status: int, error: str | None, user: int
) -> str:
    """encode_request without building the record first."""
    return request_line(t, duration * 1000, json_name(name), status, error, user)


def request_line(
    t: float, duration_ms: float, name_json: str, status: int, error: str | None, user: int
) -> str:
    """One request's line from what Locust's request event gives (start in seconds, duration in
    milliseconds) and its name already as JSON, several times cheaper than json.dumps. Times go
    as integer microseconds: cheaper to format than two floats. Load processes now write
    batches (batch.py); bench/costs.py compares the two."""
    err = "null" if error is None else json.dumps(error)
    t_us, duration_us = int(t * 1e6 + 0.5), int(duration_ms * 1e3 + 0.5)
    return f'["r",{t_us},{duration_us},{name_json},{int(status)},{err},{user}]'


def encode_ledger(e: LedgerEntry) -> str:
    return json.dumps(
        ["l", e.event, round(e.t, 6), e.key, e.order_id, e.status, e.user, e.detail],
        separators=(",", ":"),
    )


def encode_state(what: str, t: float, value: float | None = None) -> str:
    return json.dumps(["s", what, round(t, 6), value], separators=(",", ":"))


def encode_error(message: str) -> str:
    return json.dumps(["e", message])


def worker_state(what: str, worker: int | str) -> str:
    """The name of a state that belongs to one worker: "lag" of worker 2 is "lag:2"."""
    return f"{what}:{worker}"


def split_state(what: str) -> tuple[str, str | None]:
    """ "lag:2" -> ("lag", "2"); "lag" (the single load process) -> ("lag", None)."""
    base, sep, worker = what.partition(":")
    return (base, worker) if sep else (base, None)


_TIME_FIELD = {"r": 1, "l": 2, "s": 2}  # where each message keeps its time


def shift(line: str, dt: float) -> str:
    """The same message with its time moved by `dt` seconds (a remote worker's clock skew added
    for a test, or its measured offset taken away). Messages without a time pass unchanged."""
    if line.startswith(f'["{batch.TAG}",'):  # the master's hot path: a worker's batch
        return batch.shift(json.loads(line), dt)
    if line.startswith('["r",'):  # a request as encode_request wrote it
        end = line.index(",", 5)
        t = line[5:end]
        if "." in t:  # seconds, as a worker of a version before microseconds wrote it
            return f'["r",{float(t) + dt:.6f}{line[end:]}'
        return f'["r",{int(t) + round(dt * 1e6)}{line[end:]}'
    item: list[Any] = json.loads(line)
    i = _TIME_FIELD.get(item[0])
    if i is None:
        return line
    item[i] = round(float(item[i]) + dt, 6)
    return json.dumps(item, separators=(",", ":"))


Message = RequestRecord | LedgerEntry | StateChange | str


def decode(line: str | bytes) -> Message:
    """One line to a message (not a batch: `decode_lines`); a plain str is a fatal error from
    the load process."""
    return from_item(json.loads(line))


def decode_lines(lines: list[bytes]) -> list[Message]:
    """The messages of many lines at once (one JSON parse for the lot), a batch's records each
    on its own; a line that does not parse is skipped."""
    if not lines:
        return []
    out: list[Message] = []
    try:
        for item in json.loads(b"[" + b",".join(lines) + b"]"):
            _add(out, item)
        return out
    except (ValueError, IndexError, TypeError):
        out = []
        for line in lines:
            try:
                _add(out, json.loads(line))
            except (ValueError, IndexError, TypeError):
                continue
        return out


def _add(out: list[Message], item: list[Any]) -> None:
    if item[0] == batch.TAG:
        out.extend(batch.decode(item))
    else:
        out.append(from_item(item))


def from_item(item: list[Any]) -> Message:
    tag = item[0]
    if tag == "r":  # t and duration in microseconds (ints): the nearest float to the decimal
        # names and errors repeat: one string each, not one per request (~70 bytes a request)
        error = item[5] if item[5] is None else sys.intern(item[5])
        t, duration = item[1], item[2]
        if type(t) is int:  # floats: seconds, from a remote worker of an earlier version
            t, duration = t / 1e6, duration / 1e6
        return RequestRecord(t, duration, sys.intern(item[3]), item[4], error, item[6])
    if tag == "l":
        return LedgerEntry(
            t=float(item[2]),
            event=item[1],
            key=str(item[3]),
            order_id=item[4],
            status=int(item[5]),
            user=int(item[6]),
            detail=item[7],
        )
    if tag == "s":
        return StateChange(str(item[1]), float(item[2]), item[3])
    if tag == "e":
        return str(item[1])
    raise ValueError(f"unknown message tag {tag!r}")

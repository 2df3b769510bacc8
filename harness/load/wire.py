"""What the load process tells the harness, one JSON array per line on its stdout.

["r", t, duration, name, status, error, user]          a request (RequestRecord)
["l", event, t, key, order_id, status, user, detail]    a client-side ledger entry
["s", what, t, value]                                   a state change: started, users, stopped
["e", message]                                          a fatal error in the load process

No Locust import here: both sides use this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

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
    return json.dumps(
        ["r", round(r.t, 6), round(r.duration, 6), r.name, r.status, r.error, r.user],
        separators=(",", ":"),
    )


def encode_ledger(e: LedgerEntry) -> str:
    return json.dumps(
        ["l", e.event, round(e.t, 6), e.key, e.order_id, e.status, e.user, e.detail],
        separators=(",", ":"),
    )


def encode_state(what: str, t: float, value: float | None = None) -> str:
    return json.dumps(["s", what, round(t, 6), value], separators=(",", ":"))


def encode_error(message: str) -> str:
    return json.dumps(["e", message])


Message = RequestRecord | LedgerEntry | StateChange | str


def decode(line: str) -> Message:
    """One line to a message; a plain str is a fatal error from the load process."""
    item: list[Any] = json.loads(line)
    tag = item[0]
    if tag == "r":
        return RequestRecord(
            float(item[1]), float(item[2]), str(item[3]), int(item[4]), item[5], int(item[6])
        )
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

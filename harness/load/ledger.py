"""The client-side ledger, for user classes: record what each checkout looked like to the customer.

A Locust user class calls these; inside the load process they stream to the harness
(reconciliation compares them with the shop's database and the payment provider's ledger).
Outside the load process (e.g. in a unit test) they are collected in memory. No Locust import.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from harness.load.wire import LedgerEntry, LedgerKind

Sink = Callable[[LedgerEntry], None]
_collected: list[LedgerEntry] = []
_sink: Sink = _collected.append


_user_ids = itertools.count(1)


def user_id(user: object) -> int:
    """A small stable number for a simulated user (the "user" of every record it sends)."""
    uid = getattr(user, "_shopchaos_uid", None)
    if uid is None:
        uid = next(_user_ids)
        setattr(user, "_shopchaos_uid", uid)  # noqa: B010 - plain attribute on a foreign object
    return int(uid)


def number_users_from(first: int) -> None:
    """Called by a load worker: its users get ids first, first + 1, ... (unique across workers)."""
    global _user_ids  # noqa: PLW0603 - one numbering per process by design
    _user_ids = itertools.count(first)


def install(sink: Sink) -> None:
    """Called by the load process: send entries to the harness."""
    global _sink  # noqa: PLW0603 - one sink per process by design
    _sink = sink


def _emit(
    *, event: LedgerKind, key: str, order_id: str | None, status: int, user: int, detail: str | None
) -> None:
    _sink(LedgerEntry(time.time(), event, key, order_id, status, user, detail))


def attempt(key: str, *, user: int) -> None:
    """The customer pressed "pay" (or retried) with this idempotency key."""
    _emit(event="attempt", key=key, order_id=None, status=0, user=user, detail=None)


def acknowledge(
    key: str, order_id: str, *, status: int, user: int, detail: str | None = None
) -> None:
    """The shop told the customer the order is placed."""
    _emit(event="ack", key=key, order_id=order_id, status=status, user=user, detail=detail)


def failed(key: str, *, status: int, user: int, detail: str | None = None) -> None:
    """The customer saw this checkout fail (and may retry with the same key)."""
    _emit(event="fail", key=key, order_id=None, status=status, user=user, detail=detail)


def collected() -> list[LedgerEntry]:
    return list(_collected)

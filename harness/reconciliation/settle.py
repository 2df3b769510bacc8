"""The settle rule: which confirmed orders without an acknowledgement are in flight, not phantoms.

A checkout placed in the last instants of the load, or acknowledged on a later page the user
never reached before the load stopped, has no `ack` in the customers' ledger although nothing
went wrong. Such an order is in flight when its key's last attempt has no outcome (no ack, no
fail), or when it was created within `window` seconds of the load's last ledger entry.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.load.wire import LedgerEntry
from harness.measure.reconcile import Order


def in_flight(orders: Sequence[Order], ledger: Sequence[LedgerEntry], window: float) -> set[str]:
    if not ledger:
        return set()
    end = max(e.t for e in ledger)
    last_event: dict[str, str] = {}
    for e in sorted(ledger, key=lambda e: e.t):
        last_event[e.key] = e.event
    open_keys = {k for k, event in last_event.items() if event == "attempt"}
    return {
        o.order_id
        for o in orders
        if o.status == "confirmed"
        and (
            (o.key is not None and o.key in open_keys)
            or (o.created_at is not None and o.created_at >= end - window)
        )
    }

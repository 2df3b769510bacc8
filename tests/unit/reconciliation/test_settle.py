from harness.load.wire import LedgerEntry
from harness.measure.reconcile import Order, reconcile
from harness.reconciliation.settle import in_flight


def entry(t: float, event: str, key: str, order: str | None = None) -> LedgerEntry:
    return LedgerEntry(t, event, key, order, 201 if event == "ack" else 0, 1)  # type: ignore[arg-type]


def order(oid: str, key: str, created: float) -> Order:
    return Order(oid, key, None, "confirmed", created_at=created)


def test_open_checkouts_and_late_orders_are_in_flight_not_phantoms() -> None:
    ledger = [
        entry(10, "attempt", "a"),
        entry(11, "ack", "a", "1"),
        entry(20, "attempt", "b"),  # the load stopped before its answer
        entry(21, "attempt", "c"),
        entry(22, "fail", "c"),
        entry(30, "attempt", "d"),
        entry(99, "attempt", "x"),
    ]
    orders = [order("1", "a", 10), order("2", "b", 20), order("3", "c", 21), order("4", "z", 97)]
    flying = in_flight(orders, ledger, window=5)
    assert flying == {"2", "4"}  # b's attempt is open; 4 was created 2 s before the end
    result = reconcile(ledger, orders, [], now=100, stuck_after=15, in_flight=flying)
    assert result.counts["phantom_orders"] == 1  # order 3: its checkout failed, it was stored
    plain = reconcile(ledger, orders, [], now=100, stuck_after=15)
    assert plain.counts["phantom_orders"] == 3

"""Reconciliation on constructed ledgers with known answers."""

from harness.load.wire import LedgerEntry
from harness.measure.reconcile import Charge, Order, reconcile, settled


def ack(key: str, order: str) -> list[LedgerEntry]:
    return [
        LedgerEntry(1.0, "attempt", key, None, 0, 1),
        LedgerEntry(1.1, "ack", key, order, 201, 1),
    ]


def failed(key: str) -> list[LedgerEntry]:
    return [
        LedgerEntry(1.0, "attempt", key, None, 0, 1),
        LedgerEntry(1.1, "fail", key, None, 503, 1),
    ]


def test_a_clean_run_has_nothing_to_report() -> None:
    ledger = ack("k1", "o1") + ack("k2", "o2") + failed("k3")
    orders = [
        Order("o1", "k1", "c1", "confirmed"),
        Order("o2", "k2", "c2", "confirmed"),
        Order("o3", "k3", "c3", "failed"),
    ]
    charges = [Charge("ch1", "o1", True), Charge("ch2", "o2", True)]
    r = reconcile(ledger, orders, charges, [("p1", 5)], now=100, stuck_after=15)
    assert r.counts == dict.fromkeys(r.counts, 0)
    assert (r.acknowledged, r.attempted, r.orders, r.confirmed, r.charges) == (2, 3, 3, 2, 2)
    assert r.examples == {}


def test_every_kind_of_damage_is_counted() -> None:
    ledger = ack("k1", "o1") + ack("k2", "o2") + failed("k4")
    orders = [
        Order("o2", "k2", "c2", "confirmed"),
        Order("o4", "k4", "c4", "confirmed"),  # phantom: the customer only saw a failure
        Order("o5", None, "c5", "confirmed"),  # duplicate purchase of cart c5 ...
        Order("o6", None, "c5", "confirmed"),  # ... (and both are phantoms: never acknowledged)
        Order("o7", "k7", "c7", "pending", updated_at=10),  # stuck
        Order("o8", "k8", "c8", "confirmed", shipping_pending=True, updated_at=10),
        Order("o9", "k9", "c9", "failed"),
    ]
    charges = [
        Charge("ch2", "o2", True),
        Charge("ch5", "o5", True),
        Charge("ch6", "o6", True),  # cart c5 charged twice
        Charge("ch9", "o9", True),  # captured for a failed order: orphan
        Charge("chX", "missing", True),  # captured for no order at all: orphan
        Charge("ch2b", "o2", False),  # refunded: not counted
    ]
    r = reconcile(ledger, orders, charges, [("p1", -1), ("p2", 0)], now=100, stuck_after=15)
    assert r.counts == {
        "lost_orders": 1,  # o1 acknowledged, never stored
        "phantom_orders": 4,  # o4, o5, o6, o8
        "duplicate_orders": 1,
        "double_charges": 1,
        "orphan_charges": 2,
        "stuck_orders": 1,
        "unlabelled_orders": 1,
        "negative_stock": 1,
    }
    assert r.examples["lost_orders"] == ["o1"]
    assert r.examples["orphan_charges"] == ["ch9", "chX"]
    assert r.examples["double_charges"] == ["c5"]


def test_recent_pending_orders_are_not_stuck_yet() -> None:
    orders = [Order("o1", "k1", "c1", "pending", updated_at=95)]
    assert reconcile([], orders, [], now=100, stuck_after=15).counts["stuck_orders"] == 0
    assert not settled(orders)
    assert settled([Order("o1", "k1", "c1", "confirmed")])


def test_only_the_trials_own_orders_are_judged() -> None:
    # an order of an earlier trial is neither phantom nor duplicate here, but is still looked up:
    # a charge of this trial for it is not an orphan
    orders = [
        Order("old", None, "c1", "confirmed", created_at=5.0),
        Order("new", "k1", "c2", "confirmed", created_at=50.0),
    ]
    charges = [Charge("ch-late", "old", True, created_at=55.0), Charge("ch-new", "new", True, 51)]
    r = reconcile(ack("k1", "new"), orders, charges, now=100, stuck_after=15, since=40.0)
    assert r.counts["phantom_orders"] == 0
    assert r.counts["orphan_charges"] == 0
    assert r.orders == 1

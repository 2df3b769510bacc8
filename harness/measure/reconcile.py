"""Correctness after a trial: compare what customers were told, what the shop stored and what
the payment provider charged. Pure functions; the sources are read by harness/reconciliation/.

Definitions (docs/metrics.md, "Correctness"):
- lost order:       acknowledged to the customer, but not stored as confirmed
- phantom order:    stored as confirmed, but the customer never got an acknowledgement for it
                    (every attempt they saw failed) - acceptable only where a shop documents it
- duplicate order:  a purchase (orders sharing a group, e.g. the cart) confirmed more than once
- double charge:    a purchase with more than one captured charge
- orphan charge:    a captured charge whose order is not confirmed (failed, pending or missing)
- stuck order:      still pending `stuck_after` seconds after its last change
- unlabelled order: confirmed, shipping still pending `stuck_after` seconds after its last change
- negative stock:   a product whose stock is below zero
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from harness.load.wire import LedgerEntry

MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Order:
    order_id: str
    key: str | None  # the customer's idempotency key, when the shop stores it
    group: str | None  # what makes two orders the same purchase (the sample shop: the cart)
    status: str  # "confirmed", "failed", "pending", ...
    shipping_pending: bool = False
    created_at: float | None = None
    updated_at: float | None = None


@dataclass(frozen=True)
class Charge:
    charge_id: str
    order_id: str | None  # the order the charge references
    captured: bool  # captured and not refunded
    created_at: float | None = None


@dataclass(frozen=True)
class Reconciliation:
    acknowledged: int  # checkouts acknowledged to customers (distinct orders)
    attempted: int  # distinct idempotency keys customers tried
    orders: int
    confirmed: int
    charges: int  # captured charges
    counts: dict[str, int]  # lost_orders, phantom_orders, ... (see module docstring)
    examples: dict[str, list[str]] = field(default_factory=dict)


KINDS = (
    "lost_orders",
    "phantom_orders",
    "duplicate_orders",
    "double_charges",
    "orphan_charges",
    "stuck_orders",
    "unlabelled_orders",
    "negative_stock",
)


def reconcile(
    ledger: Sequence[LedgerEntry],
    orders: Sequence[Order],
    charges: Sequence[Charge],
    stock: Iterable[tuple[str, int]] = (),
    *,
    now: float,
    stuck_after: float,
    since: float | None = None,
    in_flight: Collection[str] = (),
) -> Reconciliation:
    """`since`: only orders and charges created from then on are judged (a trial's own), while
    every order is still looked up (a charge of this trial may belong to an earlier order).
    `in_flight`: orders whose acknowledgement may still have been on its way when the load
    stopped (harness/reconciliation/settle.py): never counted as phantoms."""
    acked_orders = {e.order_id for e in ledger if e.event == "ack" and e.order_id}
    acked_keys = {e.key for e in ledger if e.event == "ack"}
    attempted = {e.key for e in ledger if e.event == "attempt"}
    by_id = {o.order_id: o for o in orders}
    confirmed = {o.order_id for o in orders if o.status == "confirmed"}
    if since is not None:
        orders = [o for o in orders if o.created_at is None or o.created_at >= since]
        charges = [c for c in charges if c.created_at is None or c.created_at >= since]
    found: dict[str, list[str]] = {k: [] for k in KINDS}

    found["lost_orders"] = sorted(acked_orders - confirmed)
    found["phantom_orders"] = sorted(
        o.order_id
        for o in orders
        if o.order_id in confirmed
        and o.order_id not in in_flight
        and o.order_id not in acked_orders
        and (o.key is None or o.key not in acked_keys)
    )
    per_group = Counter(o.group for o in orders if o.order_id in confirmed and o.group)
    found["duplicate_orders"] = sorted(g for g, n in per_group.items() if n > 1)

    captured = [c for c in charges if c.captured]
    charges_per_purchase: dict[str, int] = defaultdict(int)
    for c in captured:
        order = by_id.get(c.order_id or "")
        purchase = (order.group if order and order.group else None) or c.order_id or c.charge_id
        charges_per_purchase[purchase] += 1
    found["double_charges"] = sorted(p for p, n in charges_per_purchase.items() if n > 1)
    found["orphan_charges"] = sorted(c.charge_id for c in captured if c.order_id not in confirmed)

    cutoff = now - stuck_after
    found["stuck_orders"] = sorted(
        o.order_id
        for o in orders
        if o.status == "pending" and (o.updated_at is None or o.updated_at < cutoff)
    )
    found["unlabelled_orders"] = sorted(
        o.order_id
        for o in orders
        if o.status == "confirmed"
        and o.shipping_pending
        and (o.updated_at is None or o.updated_at < cutoff)
    )
    found["negative_stock"] = sorted(product for product, level in stock if level < 0)
    return Reconciliation(
        acknowledged=len(acked_orders),
        attempted=len(attempted),
        orders=len(orders),
        confirmed=sum(1 for o in orders if o.order_id in confirmed),
        charges=len(captured),
        counts={k: len(v) for k, v in found.items()},
        examples={k: v[:MAX_EXAMPLES] for k, v in found.items() if v},
    )


def settled(orders: Sequence[Order]) -> bool:
    """Nothing left in flight: no pending order and no confirmed order awaiting its label."""
    return not any(
        o.status == "pending" or (o.status == "confirmed" and o.shipping_pending) for o in orders
    )

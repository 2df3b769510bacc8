"""The checkout flow (docs/sample-shop.md, "Checkout, step by step"), as plain functions.

1. A key whose order exists is a replay: a confirmed order is answered as it is (200); a
   pending or failed one is taken up again with the same payment keys (they make a repeated
   step harmless).
2. Quote shipping (bounded); if shipping is unavailable a flat rate is used and the label is
   left to the outbox.
3. One transaction: reserve stock and insert the order as pending under its key. The order
   exists before any money moves.
4. Authorize, note the authorization, capture (each call: timeout, retries, breaker).
5. Refused or unavailable before an authorization was noted: the order fails, its stock is
   released, and the customer gets 402 (declined), 502 (payment said no otherwise) or 503 +
   Retry-After. Once an authorization is noted a capture may have happened, so (with
   idempotency on) the order stays pending and the customer's retry or the resolver finishes
   it with the same keys: never a charge without an order.
6. Captured: the order is confirmed (201), then the label is asked for; if shipping fails
   the order stays confirmed with shipping pending and the outbox labels it later. With the
   outbox off the label is part of the request and its failure fails the order after the
   capture (500): an orphan charge, on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sample_shop.common.jsonlog import JsonLog
from sample_shop.shop.breaker import Breaker, BreakerOpen
from sample_shop.shop.config import Settings
from sample_shop.shop.deadline import Deadline
from sample_shop.shop.outbound import Refused, Unavailable
from sample_shop.shop.payment_client import Declined, PaymentClient
from sample_shop.shop.repository import Cart, DuplicateKey, Order, OutOfStock, Repository
from sample_shop.shop.shipping_client import ShippingClient


@dataclass(frozen=True)
class Shop:
    """What the checkout works with."""

    repo: Repository
    payment: PaymentClient
    shipping: ShippingClient
    settings: Settings
    log: JsonLog
    breaker: Breaker | None = None


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def checkout(shop: Shop, *, cart_id: str, key: str | None, destination: str = "DE") -> Outcome:
    deadline = Deadline(shop.settings.checkout_deadline)
    if not shop.settings.profile.idempotency:
        key = None  # SHOP_IDEMPOTENCY=off: the shop ignores the customer's key
    existing = shop.repo.order_by_key(key) if key is not None else None
    if existing is not None:
        return resume(shop, existing, deadline)
    cart = shop.repo.cart(cart_id)
    if cart is None:
        return Outcome(404, {"detail": f"no cart {cart_id}"})
    if not cart.lines:
        return Outcome(409, {"detail": "the cart is empty"})
    shipping_cents, quoted = quote_shipping(shop, cart, destination, deadline)
    return place_and_pay(shop, key, cart, shipping_cents, deadline, label_now=quoted)


def place_and_pay(
    shop: Shop,
    key: str | None,
    cart: Cart,
    shipping_cents: int,
    deadline: Deadline,
    *,
    label_now: bool,
) -> Outcome:
    try:
        order = shop.repo.place_order(
            key=key, cart=cart, shipping_cents=shipping_cents, instance=shop.settings.instance
        )
    except OutOfStock as e:
        return Outcome(409, {"detail": str(e), "product_id": e.product_id})
    except DuplicateKey:  # the same key arrived twice at once: join the other attempt
        existing = shop.repo.order_by_key(key) if key is not None else None
        if existing is None:
            return _unavailable(shop, "checkout with this key is in progress", None, None)
        return resume(shop, existing, deadline)
    return pay(shop, order, deadline, label_now=label_now)


def resume(shop: Shop, order: Order, deadline: Deadline) -> Outcome:
    """A replayed key: answer a confirmed order, take a failed or pending one up again."""
    if order.status == "confirmed":
        return Outcome(200, order.to_json())
    if order.status == "failed":
        try:
            shop.repo.reopen_order(order.order_id)
        except OutOfStock as e:
            return Outcome(409, {"detail": str(e), "product_id": e.product_id, **_ref(order)})
    return pay(shop, order, deadline, label_now=True)


def quote_shipping(
    shop: Shop, cart: Cart, destination: str, deadline: Deadline
) -> tuple[int, bool]:
    """(shipping cents, whether shipping answered); a flat rate when it did not."""
    s = shop.settings
    budget = deadline.within(2 * s.shipping_timeout) if s.profile.timeouts else deadline
    lines = [(line.product_id, line.quantity) for line in cart.lines]
    try:
        return shop.shipping.quote(lines, destination, budget), True
    except (Unavailable, Refused) as e:
        shop.log.warning("shipping quote failed: flat rate", error=str(e))
        return s.flat_shipping_cents, False


def pay(shop: Shop, order: Order, deadline: Deadline, *, label_now: bool) -> Outcome:
    """Authorize, capture, confirm, label: steps 4 to 6 for a pending order."""
    auth = _authorize(shop, order, deadline)
    if isinstance(auth, Outcome):
        return auth
    if not shop.repo.record_authorization(order.order_id, auth):
        return _settled_elsewhere(shop, order.order_id)
    charge = _capture(shop, order, auth, deadline)
    if isinstance(charge, Outcome):
        return charge
    return _confirm(shop, order.order_id, charge, deadline, label_now=label_now)


def _payment_key(order: Order) -> str:
    # without an idempotency key (SHOP_IDEMPOTENCY=off) the payment client sends no key
    return order.idempotency_key or order.order_id


def _authorize(shop: Shop, order: Order, deadline: Deadline) -> str | Outcome:
    """The authorization id, or the customer's answer when there is none."""
    safe = order.idempotency_key is not None
    try:
        return shop.payment.authorize(
            amount_cents=order.total_cents,
            reference=order.order_id,
            key=_payment_key(order),
            deadline=deadline,
        )
    except Declined as e:
        return _payment_failed(shop, order, 402, "payment declined", e, keep_authorized=safe)
    except Refused as e:
        return _payment_failed(shop, order, 502, "payment refused", e, keep_authorized=safe)
    except Unavailable as e:
        return _payment_failed(shop, order, 503, "payment unavailable", e, keep_authorized=safe)


def _capture(shop: Shop, order: Order, auth: str, deadline: Deadline) -> str | Outcome:
    """The charge id, or the customer's answer when the capture did not go through."""
    try:
        return shop.payment.capture(
            authorization_id=auth,
            amount_cents=order.total_cents,
            key=_payment_key(order),
            deadline=deadline,
        )
    except Refused as e:
        # a refused capture made no charge (and with a key, an earlier one would be replayed)
        return _payment_failed(shop, order, 502, "capture refused", e, keep_authorized=False)
    except Unavailable as e:
        if order.idempotency_key is None:  # unsafe: fail it, even though it may be charged
            return _payment_failed(
                shop, order, 503, "payment unavailable", e, keep_authorized=False
            )
        shop.log.warning(
            "capture outcome unknown: the order stays pending",
            order_id=order.order_id,
            error=str(e),
        )
        return _unavailable(shop, "payment unavailable", order.order_id, e, status="pending")


def _confirm(shop: Shop, oid: str, charge: str, deadline: Deadline, *, label_now: bool) -> Outcome:
    s = shop.settings
    if s.profile.outbox:
        confirmed_now = shop.repo.confirm_order(oid, charge)
        if label_now:
            label_in_request(shop, oid, deadline)
    else:
        try:  # the naive way: the label is part of the request, before confirming
            label = shop.shipping.label(oid, deadline)
        except (Unavailable, Refused) as e:
            shop.repo.fail_order(
                oid, f"shipping failed after capture: {e}", unless_authorized=False
            )
            shop.log.error("shipping failed after capture", order_id=oid, charge_id=charge)
            return Outcome(
                500, {"detail": "shipping failed after the payment was captured", "order_id": oid}
            )
        confirmed_now = shop.repo.confirm_order(oid, charge, label_id=label)
    final = shop.repo.order(oid)
    if final is None or final.status != "confirmed":
        return _settled_elsewhere(shop, oid)
    return Outcome(201 if confirmed_now else 200, final.to_json())


def label_in_request(shop: Shop, oid: str, deadline: Deadline) -> None:
    """Ask for the label now; on failure leave it to the outbox."""
    s = shop.settings
    budget = deadline.within(2 * s.shipping_timeout) if s.profile.timeouts else deadline
    try:
        label = shop.shipping.label(oid, budget)
    except (Unavailable, Refused) as e:
        shop.log.warning("label left to the outbox", order_id=oid, error=str(e))
        return
    shop.repo.set_label(oid, label)


def _payment_failed(
    shop: Shop, order: Order, status: int, detail: str, error: Exception, *, keep_authorized: bool
) -> Outcome:
    oid = order.order_id
    failed = shop.repo.fail_order(oid, f"{detail}: {error}", unless_authorized=keep_authorized)
    shop.log.warning(detail, order_id=oid, error=str(error), order_failed=failed)
    state = "failed"
    if not failed:  # kept pending (authorized), or another attempt settled it meanwhile
        now = shop.repo.order(oid)
        if now is not None and now.status == "confirmed":
            return Outcome(200, now.to_json())
        state = now.status if now is not None else "pending"
    if status == 503:
        return _unavailable(shop, detail, oid, error, status=state)
    return Outcome(status, {"detail": detail, "order_id": oid, "status": state})


def _settled_elsewhere(shop: Shop, oid: str) -> Outcome:
    """Another attempt at the same order moved it on while this one was paying."""
    now = shop.repo.order(oid)
    if now is not None and now.status == "confirmed":
        return Outcome(200, now.to_json())
    return _unavailable(
        shop, "the order changed while paying", oid, None, status=now.status if now else None
    )


def _unavailable(
    shop: Shop,
    detail: str,
    oid: str | None,
    error: Exception | None,
    *,
    status: str | None = None,
) -> Outcome:
    if isinstance(error, BreakerOpen):
        retry_after = error.retry_after
    elif shop.breaker is not None and shop.breaker.state != "closed":
        retry_after = shop.breaker.retry_after()
    else:
        retry_after = 1
    body: dict[str, Any] = {"detail": detail}
    if oid is not None:
        body |= {"order_id": oid, "status": status}
    return Outcome(503, body, {"Retry-After": str(int(retry_after))})


def _ref(order: Order) -> dict[str, Any]:
    return {"order_id": order.order_id, "status": order.status}

"""The checkout flow (docs/sample-shop.md, "Checkout, step by step").

The order row exists before any money moves (never a charge without an order). With the default
profile, payment calls carry idempotency keys derived from the customer's Idempotency-Key, so the
shop's retries, the customer's retries and the background resolver can all repeat a step safely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sample_shop.common.logging import JsonLog
from sample_shop.shop.breaker import BreakerOpen
from sample_shop.shop.config import Settings
from sample_shop.shop.outbound import Deadline, Refused, Unavailable
from sample_shop.shop.providers import PaymentClient, ShippingClient
from sample_shop.shop.repository import DuplicateKey, OutOfStock, Repository


@dataclass
class Outcome:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class CheckoutService:
    def __init__(
        self,
        repo: Repository,
        payment: PaymentClient,
        shipping: ShippingClient,
        settings: Settings,
        log: JsonLog,
    ) -> None:
        self.repo = repo
        self.payment = payment
        self.shipping = shipping
        self.settings = settings
        self.log = log

    @property
    def _safe(self) -> bool:
        return self.settings.patterns.idempotency

    def checkout(self, cart_id: str, key: str, destination: str = "DE") -> Outcome:
        deadline = Deadline(self.settings.checkout_deadline)
        if self._safe:
            existing = self.repo.order_by_key(key)
            if existing is not None:
                return self._replay(existing, deadline)
        cart = self.repo.cart(cart_id)
        if cart is None or not cart["items"]:
            status = 404 if cart is None else 409
            return Outcome(
                status, {"detail": f"no cart {cart_id}" if cart is None else "empty cart"}
            )
        shipping_cents = self._quote(cart["items"], destination, deadline)
        if shipping_cents is None:
            return self._unavailable("shipping is unavailable", None)
        try:
            order_id = self.repo.place_pending(
                key=key if self._safe else None,
                cart_id=cart_id,
                items=[
                    {
                        "product_id": i["product_id"],
                        "quantity": i["quantity"],
                        "price_cents": i["price_cents"],
                    }
                    for i in cart["items"]
                ],
                total_cents=cart["total_cents"] + shipping_cents,
                shipping_cents=shipping_cents,
                shipping_status="pending",
                instance=self.settings.instance,
            )
        except OutOfStock as e:
            return Outcome(409, {"detail": f"out of stock: {e}"})
        except DuplicateKey:
            existing = self.repo.order_by_key(key)  # a concurrent attempt with the same key
            return (
                self._replay(existing, deadline)
                if existing is not None
                else self._unavailable("concurrent checkout with this key", None)
            )
        return self.pay_and_confirm(order_id, key, deadline, created=True)

    def _quote(
        self, items: list[dict[str, Any]], destination: str, deadline: Deadline
    ) -> int | None:
        """The shipping price; a flat rate when shipping is down (None: fail, outbox off)."""
        lines = [{"product_id": i["product_id"], "quantity": i["quantity"]} for i in items]
        quote_deadline = Deadline(min(deadline.remaining(), self.settings.shipping_timeout * 2))
        try:
            return self.shipping.quote(lines, destination, quote_deadline)
        except (Unavailable, Refused) as e:
            if not self.settings.patterns.outbox:
                self.log.warning("shipping quote failed", error=str(e))
                return None
            self.log.warning("shipping quote failed: flat rate", error=str(e))
            return self.settings.flat_shipping_cents

    def _replay(self, order: dict[str, Any], deadline: Deadline) -> Outcome:
        """The customer sent a key we have seen: answer with that order, finishing it if needed."""
        status = order["status"]
        if status == "confirmed":
            return Outcome(200, _public(order))
        if status == "failed":
            items = self.repo.order_items(order["order_id"])
            try:
                self.repo.retry_pending(order["order_id"], items)
            except OutOfStock as e:
                return Outcome(409, {"detail": f"out of stock: {e}"})
        return self.pay_and_confirm(
            order["order_id"], order["idempotency_key"], deadline, created=False
        )

    def pay_and_confirm(
        self, order_id: str, key: str, deadline: Deadline, *, created: bool
    ) -> Outcome:
        """Authorize, capture, confirm, label. Also used by the resolver for stuck orders."""
        order = self.repo.order(order_id)
        assert order is not None
        amount = int(order["total_cents"])
        stage = "authorize"
        try:
            auth = self.payment.authorize(amount, order_id, key, deadline)
            self.repo.set_payment(order_id, authorization_id=auth)
            stage = "capture"
            charge = self.payment.capture(auth, amount, key, deadline)
        except Refused as e:
            self.repo.fail(order_id, f"payment refused: {e}")
            if e.status == 402:
                return Outcome(402, {"detail": "payment declined", "order_id": order_id})
            return self._unavailable(f"payment error: {e}", order_id)
        except (BreakerOpen, Unavailable) as e:
            if self._safe and stage == "capture" and _maybe_sent(e):
                # The capture may have happened: keep the order pending; the resolver (or the
                # customer's retry) finishes it with the same idempotency keys.
                self.log.warning("capture outcome unknown", order_id=order_id, error=str(e))
            else:
                self.repo.fail(order_id, f"payment unavailable: {e}")
            return self._unavailable(f"payment unavailable: {e}", order_id)
        self.repo.set_payment(order_id, charge_id=charge)
        if self.settings.patterns.outbox:
            self.repo.confirm(order_id)
            self._label(order_id)
        else:
            try:  # the naive way: label inside the request, before confirming
                self.repo.set_label(order_id, self.shipping.label(order_id, deadline))
            except (Unavailable, Refused) as e:
                self.repo.fail(order_id, f"shipping failed after capture: {e}")
                return Outcome(500, {"detail": "shipping failed", "order_id": order_id})
            self.repo.confirm(order_id)
        final = self.repo.order(order_id)
        assert final is not None
        return Outcome(201 if created else 200, _public(final))

    def _label(self, order_id: str) -> None:
        try:
            label = self.shipping.label(order_id, Deadline(self.settings.shipping_timeout * 2))
        except (Unavailable, Refused) as e:
            self.log.warning("label deferred to the outbox", order_id=order_id, error=str(e))
            return
        self.repo.set_label(order_id, label)

    def _unavailable(self, reason: str, order_id: str | None) -> Outcome:
        retry_after = max(1, round(self.settings.breaker_reset))
        body: dict[str, Any] = {"detail": reason}
        if order_id:
            body["order_id"] = order_id
        return Outcome(503, body, {"Retry-After": str(retry_after)})


def _maybe_sent(e: Exception) -> bool:
    """A timeout or a lost reply after the request went out: the provider may have acted.

    Not so for an open breaker or refused connections (nothing was sent)."""
    return isinstance(e, Unavailable) and not isinstance(e, BreakerOpen) and e.maybe_sent


def _public(order: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in order.items() if k != "failure"} | {"failure": order.get("failure")}

"""The shop's calls to the shipping provider: a quote before the order, a label after it.

Labels carry `Idempotency-Key: <order_id>:label`, so the checkout and the outbox of every
replica can ask for the same order's label any number of times and get one label.
"""

from __future__ import annotations

import httpx

from sample_shop.shop.config import Settings
from sample_shop.shop.deadline import Deadline
from sample_shop.shop.outbound import Outbound, http_client


def shipping_http(settings: Settings) -> httpx.Client:
    return http_client(
        settings.shipping_url, settings.shipping_timeout if settings.profile.timeouts else None
    )


def label_key(order_id: str) -> str:
    return f"{order_id}:label"


class ShippingClient:
    def __init__(self, out: Outbound) -> None:
        self.out = out

    @classmethod
    def build(cls, http: httpx.Client, settings: Settings) -> ShippingClient:
        return cls(
            Outbound(
                http,
                dependency="shipping",
                timeout=settings.shipping_timeout if settings.profile.timeouts else None,
                attempts=settings.attempts,
            )
        )

    def quote(self, items: list[tuple[int, int]], destination: str, deadline: Deadline) -> int:
        """Shipping cents for (product_id, quantity) lines. Raises Refused or Unavailable."""
        body = {
            "items": [{"product_id": p, "quantity": q} for p, q in items],
            "destination": destination,
        }
        return int(self.out.post("/quote", body, key=None, deadline=deadline)["amount_cents"])

    def label(self, order_id: str, deadline: Deadline) -> str:
        """The label id. Raises Refused or Unavailable."""
        answer = self.out.post(
            "/labels", {"order_id": order_id}, key=label_key(order_id), deadline=deadline
        )
        return str(answer["label_id"])

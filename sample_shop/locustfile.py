"""Shopper journeys for the sample shop (Locust users; loaded only by the load process).

Like real traffic: browsing and viewing products most of the time, adding to a cart often,
checking out less often. Each checkout has an idempotency key; a customer whose checkout fails
with 5xx or a transport error retries it with the same key (as a browser would), up to
SHOPPER_RETRIES times. What the customer saw goes into the client-side ledger.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

from harness.load import ledger

RETRIES = int(os.environ.get("SHOPPER_RETRIES", "2"))
RETRY_PAUSE = float(os.environ.get("SHOPPER_RETRY_PAUSE", "0.2"))


class _ShopperBase(FastHttpUser):
    """What every shopper can do; the subclasses choose how often (Locust task weights)."""

    abstract = True
    wait_time = between(0.02, 0.06)
    network_timeout = 10.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.product_ids: list[int] = []
        self.cart_id: str | None = None
        self.cart_items = 0
        with self.client.get("/products", name="/products", catch_response=True) as r:
            if r.status_code == 200:
                self.product_ids = [p["id"] for p in r.json()]
                r.success()

    def _product(self) -> int:
        return random.choice(self.product_ids) if self.product_ids else 1

    def browse_catalog(self) -> None:
        self.client.get("/products", name="/products")

    def view_product(self) -> None:
        self.client.get(f"/products/{self._product()}", name="/products/[id]")

    def put_in_cart(self) -> None:
        if self.cart_id is None:
            with self.client.post("/carts", name="/carts", catch_response=True) as r:
                if r.status_code != 201:
                    return
                self.cart_id = r.json()["cart_id"]
                self.cart_items = 0
        body = {"product_id": self._product(), "quantity": random.randint(1, 2)}
        with self.client.post(
            f"/carts/{self.cart_id}/items", json=body, name="/carts/[id]/items", catch_response=True
        ) as r:
            if r.status_code == 200:
                self.cart_items += 1
            elif r.status_code == 404:
                self.cart_id = None  # the cart is gone: start a new one next time
                r.success()

    def check_out(self) -> None:
        if self.cart_id is None or self.cart_items == 0:
            self.put_in_cart()
            return
        key = uuid.uuid4().hex
        user = ledger.user_id(self)
        for attempt in range(RETRIES + 1):
            ledger.attempt(key, user=user)
            status, order = self._checkout_once(key)
            if status in (200, 201) and order:
                ledger.acknowledge(key, str(order["order_id"]), status=status, user=user)
                self.cart_id, self.cart_items = None, 0
                return
            ledger.failed(key, status=status, user=user, detail=f"attempt {attempt + 1}")
            if status and status < 500:
                break  # the shop said no (out of stock, bad cart): a retry will not help
            gevent.sleep(RETRY_PAUSE * random.uniform(0.5, 1.5))
        self.cart_id, self.cart_items = None, 0  # the customer gives up on this cart

    def _checkout_once(self, key: str) -> tuple[int, dict[str, Any] | None]:
        with self.client.post(
            "/checkout",
            json={"cart_id": self.cart_id},
            headers={"Idempotency-Key": key},
            name="/checkout",
            catch_response=True,
        ) as r:
            if r.status_code in (200, 201):
                try:
                    return r.status_code, dict(r.json())
                except ValueError:
                    r.failure("checkout answered without a JSON order")
                    return r.status_code, None
            if r.status_code == 0:
                r.failure(f"no response: {r.error}")
            return int(r.status_code or 0), None


class Shopper(_ShopperBase):
    """The default mix: view 12 : browse 6 : add to cart 3 : check out 1."""

    @task(6)
    def browse(self) -> None:
        self.browse_catalog()

    @task(12)
    def view(self) -> None:
        self.view_product()

    @task(3)
    def add_to_cart(self) -> None:
        self.put_in_cart()

    @task(1)
    def checkout(self) -> None:
        self.check_out()


class Buyer(_ShopperBase):
    """Came to buy: add to cart 3 : check out 2 : view 1. Drives many checkouts, for the
    scenarios that attack order and payment correctness (`mix: {Buyer: 1}`)."""

    @task(3)
    def add_to_cart(self) -> None:
        self.put_in_cart()

    @task(2)
    def checkout(self) -> None:
        self.check_out()

    @task(1)
    def view(self) -> None:
        self.view_product()

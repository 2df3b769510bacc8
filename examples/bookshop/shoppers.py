"""Bookshop shoppers for Locust: browse, sometimes search (the slow page), buy a book.

Loaded by shopchaos's load process with the stack file's directory on sys.path
(`load_user_classes: shoppers:BookBuyer`). What each customer saw of a checkout goes into the
client-side ledger (harness.load.ledger), which reconciliation compares with shop_order and
paygate_charge.
"""

from __future__ import annotations

import random
import uuid

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser

from harness.load import ledger

HOST_HEADER = {"Host": "bookshop.local"}


class BookBuyer(FastHttpUser):
    wait_time = between(0.05, 0.15)
    network_timeout = 10.0
    connection_timeout = 10.0

    @task(6)
    def browse(self) -> None:
        self.client.get("/books", name="/books", headers=HOST_HEADER)

    @task(1)
    def search(self) -> None:
        self.client.get("/search?q=Volume", name="/search", headers=HOST_HEADER)

    @task(3)
    def buy(self) -> None:
        uid = ledger.user_id(self)
        with self.client.post(
            "/basket",
            json={"isbn": f"97800000000{random.randint(1, 20):02d}"},
            name="/basket",
            headers=HOST_HEADER,
            catch_response=True,
        ) as r:
            if r.status_code != 201:
                r.failure(f"basket: {r.status_code}")
                return
            basket = r.json()["basket"]
        token = uuid.uuid4().hex
        ledger.attempt(token, user=uid)
        with self.client.post(
            "/checkout",
            json={"basket": basket},
            name="/checkout",
            headers={**HOST_HEADER, "X-Checkout-Token": token},
            catch_response=True,
        ) as r:
            if r.status_code == 201:
                ledger.acknowledge(token, r.json()["order"], status=201, user=uid)
            else:
                ledger.failed(token, status=r.status_code, user=uid)
                r.failure(f"checkout: {r.status_code}")

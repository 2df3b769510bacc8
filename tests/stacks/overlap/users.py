"""Locust users for the overlap stack (loaded only by the load process)."""

from __future__ import annotations

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser


class Customer(FastHttpUser):
    """A closed-loop customer: GET / with 20-50 ms between requests."""

    wait_time = between(0.02, 0.05)

    @task
    def work(self) -> None:
        self.client.get("/", name="/")

"""Locust users for the noimpact stack (loaded only by the load process)."""

from __future__ import annotations

from locust import between, task
from locust.contrib.fasthttp import FastHttpUser


class Customer(FastHttpUser):
    """A closed-loop customer: GET / with 50-100 ms between requests."""

    wait_time = between(0.05, 0.1)

    @task
    def work(self) -> None:
        self.client.get("/", name="/")

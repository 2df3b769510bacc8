"""Locust users for the slow stack (loaded only by the load process)."""

from __future__ import annotations

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class Customer(FastHttpUser):
    """One request after another, no pause: with 300 ms requests, about 3 per second."""

    wait_time = constant(0)

    @task
    def work(self) -> None:
        self.client.get("/", name="/")

"""Locust users for the evidence stack (loaded only by the load process)."""

from __future__ import annotations

import gevent
from locust import between, task
from locust.contrib.fasthttp import FastHttpUser


class Customer(FastHttpUser):
    """A closed-loop customer: GET / with 20-50 ms between requests."""

    wait_time = between(0.02, 0.05)

    @task
    def work(self) -> None:
        self.client.get("/", name="/")


class Silent(FastHttpUser):
    """A customer who never sends a request within the trial (its first comes after an hour):
    a trial measures no request at all, whatever the machine does."""

    wait_time = between(3600, 3600)

    def on_start(self) -> None:
        gevent.sleep(3600)

    @task
    def work(self) -> None:
        self.client.get("/", name="/")

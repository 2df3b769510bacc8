"""Locust users for the retry stack (loaded only by the load process)."""

from __future__ import annotations

import itertools
import os
import time

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

_ids = itertools.count()


class Customer(FastHttpUser):
    """One request after another, no pause; each carries its own id and the moment it was
    sent, so the app can log what its customer waited (1 s a request: 1 req/s per user)."""

    wait_time = constant(0)

    @task
    def work(self) -> None:
        self.client.get(f"/?id={os.getpid()}-{next(_ids)}&sent={time.time():.6f}", name="/")

"""Locust users for the benchmarks (loaded only by the load process)."""

from __future__ import annotations

import os

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class MaxRate(FastHttpUser):
    """As fast as it can: the catalog through the load balancer, no think time."""

    wait_time = constant(0)

    @task
    def products(self) -> None:
        self.client.get("/products", name="/products")


class DependencyProbe(FastHttpUser):
    """Straight through the faulted dependency's Toxiproxy listener, so every request feels the
    fault exactly while it lasts: the ground truth for recovery-time accuracy."""

    wait_time = constant(0.03)

    @task
    def through_the_proxy(self) -> None:
        target = os.environ["SHOPCHAOS_BENCH_TARGET"]
        self.client.get(f"{target}/healthz", name="dependency /healthz")


class MaxRateOk(FastHttpUser):
    """As fast as it can, against a target that answers at once (bench/target.py): what one
    load process can generate."""

    wait_time = constant(0)

    @task
    def ok(self) -> None:
        self.client.get("/", name="/")

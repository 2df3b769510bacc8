"""Checkout latency through the whole chain: HAProxy -> shop replica -> Toxiproxy -> payment
(authorize, capture) and shipping (quote, label) -> the database. Sequential, one customer."""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

import requests

from harness.platforms.local import LocalPlatform


def checkout_latency(platform: LocalPlatform, *, n: int = 300) -> dict[str, Any]:
    entry = platform.endpoints().entry_url
    took: list[float] = []
    failed = 0
    with requests.Session() as s:
        for _ in range(n):
            cart = s.post(f"{entry}/carts", timeout=10).json()["cart_id"]
            s.post(f"{entry}/carts/{cart}/items", json={"product_id": 1, "quantity": 1}, timeout=10)
            t = time.perf_counter()
            r = s.post(
                f"{entry}/checkout",
                json={"cart_id": cart},
                headers={"Idempotency-Key": uuid.uuid4().hex},
                timeout=10,
            )
            took.append(time.perf_counter() - t)
            failed += r.status_code != 201
    q = statistics.quantiles(took, n=100)
    return {
        "checkouts": n,
        "failed": failed,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "max_ms": max(took) * 1000,
    }

"""The shop wired to the real payment and shipping apps in-process.

The only fake is the network between them: a FaultyTransport forwards each call to the
provider's TestClient and can fail chosen calls (refuse the connection, answer 503, or let the
provider do the work and then lose the reply). A plain helper module, not a conftest: test
files import `running_shop` from here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi.testclient import TestClient

from sample_shop.db.engine import make_engine
from sample_shop.db.seed import init_database
from sample_shop.payment.app import create_app as payment_app
from sample_shop.shipping.app import create_app as shipping_app
from sample_shop.shop.app import create_app as shop_app
from sample_shop.shop.config import PATTERNS, Profile, Settings

Fault = Literal["down", "503", "lose-reply"] | None
Rule = Callable[[httpx.Request], Fault]


def on_path(path: str, fault: Fault, *, times: int | None = None) -> Rule:
    """A rule failing calls to `path` (the first `times` of them, or all)."""
    seen = {"n": 0}

    def rule(request: httpx.Request) -> Fault:
        if request.url.path != path:
            return None
        seen["n"] += 1
        return fault if times is None or seen["n"] <= times else None

    return rule


def always(fault: Fault) -> Rule:
    return lambda _request: fault


@dataclass
class FaultyTransport(httpx.BaseTransport):
    """Forwards requests to a provider's TestClient; `rule` picks calls to fail."""

    upstream: TestClient
    rule: Rule | None = None
    calls: list[httpx.Request] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request)
        fault = self.rule(request) if self.rule else None
        if fault == "down":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "503":
            return httpx.Response(503, json={"error": "unavailable"})
        reply = self.upstream.send(request)
        if fault == "lose-reply":  # the provider did the work; the answer never arrives
            raise httpx.ReadTimeout("the reply was lost", request=request)
        return httpx.Response(reply.status_code, headers=reply.headers, content=reply.content)

    def count(self, path: str) -> int:
        return sum(1 for r in self.calls if r.url.path == path)


@dataclass
class Rig:
    client: TestClient
    payment: FaultyTransport
    shipping: FaultyTransport
    settings: Settings
    db_url: str

    def cart(self, product_id: int = 1, quantity: int = 1) -> str:
        cart_id = str(self.client.post("/carts").json()["cart_id"])
        r = self.client.post(
            f"/carts/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
        )
        assert r.status_code == 200, r.text
        return cart_id

    def checkout(self, cart_id: str, key: str | None) -> httpx.Response:
        headers = {"Idempotency-Key": key} if key is not None else {}
        return self.client.post("/checkout", json={"cart_id": cart_id}, headers=headers)

    def order(self, order_id: str) -> dict[str, Any]:
        r = self.client.get(f"/orders/{order_id}")
        assert r.status_code == 200, r.text
        return dict(r.json())

    def orders(self) -> list[dict[str, Any]]:
        return list(self.client.get("/admin/orders").json()["orders"])

    def ledger(self) -> dict[str, list[dict[str, Any]]]:
        return dict(self.payment.upstream.get("/ledger").json())

    def charges(self) -> list[dict[str, Any]]:
        return self.ledger()["charges"]

    def labels(self) -> list[dict[str, Any]]:
        return list(self.shipping.upstream.get("/labels").json()["labels"])

    def stock(self, product_id: int) -> int:
        return int(self.client.get(f"/products/{product_id}").json()["stock"])

    def state(self) -> dict[str, Any]:
        return dict(self.client.get("/admin/state").json())

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 10.0) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if check():
                return
            time.sleep(0.02)
        raise AssertionError(f"timed out waiting for {what}")


def seed(db_url: str, *, products: int = 3, stock: int = 1000) -> None:
    engine = make_engine(db_url, pool_size=1, max_overflow=0)
    try:
        init_database(engine, n_products=products, stock=stock)
    finally:
        engine.dispose()


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    switches = {p: overrides.pop(p) for p in PATTERNS if p in overrides}
    values: dict[str, Any] = {
        "db_url": f"sqlite:///{tmp_path / 'shop.db'}",
        "payment_url": "http://payment",
        "shipping_url": "http://shipping",
        "instance": "shop-test",
        "profile": Profile(**switches),
        "outbox_interval": 0.05,
        "breaker_reset": 30.0,
        "access_log": False,
    }
    values.update(overrides)
    return Settings(**values)


@contextmanager
def running_shop(
    tmp_path: Path,
    *,
    stock: int = 1000,
    decline_above_cents: int | None = None,
    **overrides: Any,
) -> Iterator[Rig]:
    """A shop on a fresh SQLite file with both providers in-process; everything is closed
    (lifespans run) when the block ends. Keyword arguments override Settings fields, and
    timeouts/retries/breaker/idempotency/outbox switch the patterns."""
    settings = make_settings(tmp_path, **overrides)
    seed(settings.db_url, stock=stock)
    with ExitStack() as stack:
        pay = stack.enter_context(
            TestClient(
                payment_app(str(tmp_path / "payment.db"), decline_above_cents=decline_above_cents),
                base_url="http://payment",
            )
        )
        ship = stack.enter_context(
            TestClient(shipping_app(str(tmp_path / "shipping.db")), base_url="http://shipping")
        )
        payment, shipping = FaultyTransport(pay), FaultyTransport(ship)
        payment_http = stack.enter_context(
            httpx.Client(transport=payment, base_url="http://payment")
        )
        shipping_http = stack.enter_context(
            httpx.Client(transport=shipping, base_url="http://shipping")
        )
        app = shop_app(settings, payment_http=payment_http, shipping_http=shipping_http)
        client = stack.enter_context(TestClient(app))
        yield Rig(client, payment, shipping, settings, settings.db_url)

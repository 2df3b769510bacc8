"""The shop wired to the real payment and shipping apps in-process, with a switchable fault
transport in between (for lost replies and outages: the only fake here is the network)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from sample_shop.db.__main__ import init
from sample_shop.db.engine import make_engine
from sample_shop.payment.app import create_app as payment_app
from sample_shop.shipping.app import create_app as shipping_app
from sample_shop.shop.app import create_app as shop_app
from sample_shop.shop.config import Patterns, Settings

Rule = Callable[[httpx.Request], str | None]  # -> None (pass), "down", "lose-reply"


@dataclass
class Network:
    """Forwards to an in-process app; a rule can take it down or lose replies."""

    app: TestClient
    rule: Rule | None = None
    calls: list[str] = field(default_factory=list)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        action = self.rule(request) if self.rule else None
        if action == "down":
            raise httpx.ConnectError("connection refused", request=request)
        r = self.app.request(
            request.method,
            request.url.path,
            content=request.content,
            headers={k: v for k, v in request.headers.items() if k.lower() != "host"},
        )
        if action == "lose-reply":
            raise httpx.ReadTimeout("reply lost", request=request)
        return httpx.Response(r.status_code, content=r.content, headers=r.headers)

    def client(self, base: str) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self.handle), base_url=base)


@dataclass
class Shop:
    client: TestClient
    payment: Network
    shipping: Network

    def cart(self, product_id: int = 1, quantity: int = 1) -> str:
        cart_id = self.client.post("/carts").json()["cart_id"]
        r = self.client.post(
            f"/carts/{cart_id}/items", json={"product_id": product_id, "quantity": quantity}
        )
        assert r.status_code == 200, r.text
        return str(cart_id)

    def checkout(self, cart_id: str, key: str) -> httpx.Response:
        return self.client.post(
            "/checkout", json={"cart_id": cart_id}, headers={"Idempotency-Key": key}
        )

    def ledger(self) -> dict[str, list[dict[str, object]]]:
        return dict(self.payment.app.get("/ledger").json())

    def stock(self, product_id: int) -> int:
        return int(self.client.get(f"/products/{product_id}").json()["stock"])


ShopFactory = Callable[..., Shop]


@pytest.fixture
def make_shop(tmp_path: Path) -> Iterator[ShopFactory]:
    opened: list[TestClient] = []

    def make(*, stock: int = 1000, **patterns: bool) -> Shop:
        db = f"sqlite:///{tmp_path / 'shop.db'}"
        engine = make_engine(db, pool_size=1)
        init(engine, n_products=3, stock=stock)
        engine.dispose()
        pay = TestClient(payment_app(str(tmp_path / "payment.db")))
        ship = TestClient(shipping_app(str(tmp_path / "shipping.db")))
        pay.__enter__()
        ship.__enter__()
        payment, shipping = Network(pay), Network(ship)
        settings = Settings(
            db_url=db,
            payment_url="http://payment",
            shipping_url="http://shipping",
            instance="test",
            patterns=Patterns(**patterns),
            outbox_interval=0.05,
            breaker_reset=30,
            access_log=False,
        )
        app = shop_app(
            settings,
            payment_http=payment.client("http://payment"),
            shipping_http=shipping.client("http://shipping"),
        )
        client = TestClient(app)
        client.__enter__()
        opened.extend([client, pay, ship])
        return Shop(client, payment, shipping)

    yield make
    for c in opened:
        c.__exit__(None, None, None)

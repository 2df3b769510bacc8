"""The checkout flow of the default profile, against the real payment and shipping apps."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from shop_rig import make_settings, running_shop, seed

from sample_shop.payment.app import create_app as payment_app
from sample_shop.shipping.app import create_app as shipping_app
from sample_shop.shop.app import create_app as shop_app


def test_happy_path_with_the_provider_apps_as_clients(tmp_path: Path) -> None:
    """The providers' TestClients passed straight in as the shop's HTTP clients."""
    settings = make_settings(tmp_path)
    seed(settings.db_url, stock=10)
    with (
        TestClient(payment_app(str(tmp_path / "p.db")), base_url="http://payment") as pay,
        TestClient(shipping_app(str(tmp_path / "s.db")), base_url="http://shipping") as ship,
        TestClient(shop_app(settings, payment_http=pay, shipping_http=ship)) as shop,
    ):
        cart = shop.post("/carts").json()["cart_id"]
        shop.post(f"/carts/{cart}/items", json={"product_id": 1, "quantity": 2})
        r = shop.post("/checkout", json={"cart_id": cart}, headers={"Idempotency-Key": "k1"})
        assert r.status_code == 201, r.text
        order = r.json()
        assert order["status"] == "confirmed"
        assert order["shipping_status"] == "labelled" and order["shipping_label_id"]
        assert order["idempotency_key"] == "k1" and order["instance"] == "shop-test"
        assert shop.get("/products/1").json()["stock"] == 8  # reserved
        ledger = pay.get("/ledger").json()
        assert len(ledger["authorizations"]) == 1
        assert len(ledger["charges"]) == 1
        charge = ledger["charges"][0]
        assert charge["reference"] == order["order_id"]
        assert charge["id"] == order["payment_charge_id"]
        assert charge["idempotency_key"] == "k1:capture"
        assert ledger["authorizations"][0]["idempotency_key"] == "k1:auth"
        assert charge["amount_cents"] == order["total_cents"]
        labels = ship.get("/labels").json()["labels"]
        assert [(lbl["order_id"], lbl["idempotency_key"]) for lbl in labels] == [
            (order["order_id"], f"{order['order_id']}:label")
        ]
        assert shop.get(f"/orders/{order['order_id']}").json() == order


def test_order_total_includes_the_shipping_quote(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        cart = shop.client.get(f"/carts/{shop.cart(2, 3)}").json()
        order = shop.checkout(cart["cart_id"], "k").json()
        assert order["shipping_cents"] == 499 + 3 * 50  # DE base + per item
        assert order["total_cents"] == cart["total_cents"] + order["shipping_cents"]


def test_replaying_a_key_returns_the_same_order_without_a_second_charge(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        cart = shop.cart()
        first = shop.checkout(cart, "k1")
        assert first.status_code == 201
        again = shop.checkout(cart, "k1")
        assert again.status_code == 200
        assert again.json() == first.json()
        assert len(shop.charges()) == 1
        assert len(shop.orders()) == 1
        assert shop.payment.count("/capture") == 1  # a replay does not even call payment


def test_an_idempotency_key_is_required(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        r = shop.checkout(shop.cart(), None)
        assert r.status_code == 400
        assert "Idempotency-Key" in r.json()["detail"]
        assert shop.orders() == []


def test_stock_never_goes_below_zero(tmp_path: Path) -> None:
    with running_shop(tmp_path, stock=3) as shop:
        assert shop.checkout(shop.cart(1, 2), "a").status_code == 201
        r = shop.checkout(shop.cart(1, 2), "b")
        assert r.status_code == 409
        assert r.json()["product_id"] == 1
        assert shop.stock(1) == 1
        assert shop.checkout(shop.cart(1, 1), "c").status_code == 201
        assert shop.stock(1) == 0
        assert shop.checkout(shop.cart(1, 1), "d").status_code == 409
        assert shop.stock(1) == 0
        assert len(shop.charges()) == 2


def test_out_of_stock_takes_nothing_from_the_other_lines(tmp_path: Path) -> None:
    with running_shop(tmp_path, stock=5) as shop:
        cart = shop.cart(1, 2)
        shop.client.post(f"/carts/{cart}/items", json={"product_id": 2, "quantity": 6})
        assert shop.checkout(cart, "k").status_code == 409
        assert shop.stock(1) == 5 and shop.stock(2) == 5


def test_empty_and_unknown_carts(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        empty = shop.client.post("/carts").json()["cart_id"]
        assert shop.checkout(empty, "e").status_code == 409
        assert shop.checkout("no-such-cart", "n").status_code == 404
        assert shop.charges() == []


def test_a_declined_card_is_402_and_releases_the_stock(tmp_path: Path) -> None:
    with running_shop(tmp_path, decline_above_cents=1000) as shop:
        r = shop.checkout(shop.cart(1, 5), "k")
        assert r.status_code == 402
        assert shop.order(r.json()["order_id"])["status"] == "failed"
        assert shop.stock(1) == 1000
        assert shop.charges() == []
        # payment is up: a decline does not count against the breaker
        assert shop.state()["breaker"]["fail_counter"] == 0


def test_a_failed_order_is_taken_up_again_by_a_retry_of_its_key(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        cart = shop.cart()
        shop.payment.rule = lambda _r: "down"
        failed = shop.checkout(cart, "k")
        assert failed.status_code == 503
        shop.payment.rule = None
        again = shop.checkout(cart, "k")
        assert again.status_code == 201
        assert again.json()["order_id"] == failed.json()["order_id"]
        assert shop.stock(1) == 999  # reserved once more, not twice
        assert len(shop.charges()) == 1

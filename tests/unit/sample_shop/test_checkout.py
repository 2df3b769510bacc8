"""The checkout flow and its resilience patterns, each shown on and (where it matters) off."""

import time

from .conftest import ShopFactory


def test_happy_path_places_one_order_and_one_charge(make_shop: ShopFactory) -> None:
    shop = make_shop()
    before = shop.stock(1)
    r = shop.checkout(shop.cart(1, 2), "k1")
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["status"] == "confirmed"
    assert order["shipping_status"] == "labelled"
    ledger = shop.ledger()
    assert len(ledger["authorizations"]) == 1 and len(ledger["charges"]) == 1
    assert ledger["charges"][0]["reference"] == order["order_id"]
    assert shop.stock(1) == before - 2
    assert shop.client.get(f"/orders/{order['order_id']}").json()["status"] == "confirmed"


def test_replaying_a_key_returns_the_same_order_without_a_second_charge(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop()
    cart = shop.cart()
    first = shop.checkout(cart, "k1").json()
    again = shop.checkout(cart, "k1")
    assert again.status_code == 200
    assert again.json()["order_id"] == first["order_id"]
    assert len(shop.ledger()["charges"]) == 1


def test_a_key_is_required(make_shop: ShopFactory) -> None:
    shop = make_shop()
    r = shop.client.post("/checkout", json={"cart_id": shop.cart()})
    assert r.status_code == 400


def test_payment_down_is_a_clear_503_and_nothing_is_charged(make_shop: ShopFactory) -> None:
    shop = make_shop()
    before = shop.stock(1)
    shop.payment.rule = lambda req: "down"
    r = shop.checkout(shop.cart(), "k1")
    assert r.status_code == 503
    assert "Retry-After" in r.headers
    order = shop.client.get(f"/orders/{r.json()['order_id']}").json()
    assert order["status"] == "failed"
    assert shop.stock(1) == before  # released
    shop.payment.rule = None
    assert shop.ledger()["charges"] == []
    # the customer's retry with the same key succeeds once payment is back
    assert shop.checkout(shop.cart(), "k1").status_code == 200
    assert len(shop.ledger()["charges"]) == 1


def test_breaker_opens_and_then_fails_fast(make_shop: ShopFactory) -> None:
    shop = make_shop()
    shop.payment.rule = lambda req: "down"
    for i in range(5):  # fail_max 5
        assert shop.checkout(shop.cart(), f"k{i}").status_code == 503
    calls = len(shop.payment.calls)
    started = time.perf_counter()
    r = shop.checkout(shop.cart(), "fast")
    assert r.status_code == 503
    assert len(shop.payment.calls) == calls  # payment was not called at all
    assert time.perf_counter() - started < 0.5
    assert shop.client.get("/admin/state").json()["breaker"]["state"] == "open"


def test_without_the_breaker_every_checkout_keeps_calling_payment(make_shop: ShopFactory) -> None:
    shop = make_shop(breaker=False)
    shop.payment.rule = lambda req: "down"
    for i in range(6):
        shop.checkout(shop.cart(), f"k{i}")
    assert len(shop.payment.calls) >= 6 * 3  # three attempts each, never short-circuited


def test_lost_capture_reply_default_profile_one_charge(make_shop: ShopFactory) -> None:
    shop = make_shop()
    lost = {"n": 0}

    def lose_first_capture(req):  # type: ignore[no-untyped-def]
        if req.url.path == "/capture" and lost["n"] == 0:
            lost["n"] += 1
            return "lose-reply"
        return None

    shop.payment.rule = lose_first_capture
    r = shop.checkout(shop.cart(), "k1")
    assert r.status_code == 201, r.text  # the shop's own retry replayed the capture
    assert len(shop.ledger()["charges"]) == 1


def test_unsafe_without_idempotency_a_lost_reply_double_charges(make_shop: ShopFactory) -> None:
    shop = make_shop(idempotency=False)
    lost = {"n": 0}

    def lose_first_capture(req):  # type: ignore[no-untyped-def]
        if req.url.path == "/capture" and lost["n"] == 0:
            lost["n"] += 1
            return "lose-reply"
        return None

    shop.payment.rule = lose_first_capture
    cart = shop.cart()
    first = shop.checkout(cart, "k1")
    assert first.status_code >= 500  # the customer saw a failure ...
    second = shop.checkout(cart, "k1")  # ... and retried with the same key
    assert second.status_code == 201
    charges = shop.ledger()["charges"]
    assert len(charges) == 2  # charged twice for one purchase
    orders = shop.client.get("/admin/orders").json()["orders"]
    assert sorted(o["status"] for o in orders) == ["confirmed", "failed"]


def test_shipping_down_order_accepted_and_labelled_later(make_shop: ShopFactory) -> None:
    shop = make_shop()
    shop.shipping.rule = lambda req: "down"
    r = shop.checkout(shop.cart(), "k1")
    assert r.status_code == 201
    order = r.json()
    assert order["status"] == "confirmed" and order["shipping_status"] == "pending"
    shop.shipping.rule = None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = shop.client.get(f"/orders/{order['order_id']}").json()
        if now["shipping_status"] == "labelled":
            break
        time.sleep(0.05)
    assert now["shipping_status"] == "labelled"
    labels = shop.shipping.app.get("/labels").json()["labels"]
    assert [lbl["order_id"] for lbl in labels] == [order["order_id"]]


def test_unsafe_without_outbox_shipping_failure_leaves_an_orphan_charge(
    make_shop: ShopFactory,
) -> None:
    shop = make_shop(outbox=False)
    shop.shipping.rule = lambda req: "down" if req.url.path == "/labels" else None
    r = shop.checkout(shop.cart(), "k1")
    assert r.status_code == 500
    charges = shop.ledger()["charges"]
    assert len(charges) == 1
    order = shop.client.get(f"/orders/{r.json()['order_id']}").json()
    assert order["status"] == "failed"  # money taken, no order: what reconciliation must catch


def test_stock_never_goes_below_zero(make_shop: ShopFactory) -> None:
    shop = make_shop(stock=1)
    assert shop.checkout(shop.cart(1, 1), "a").status_code == 201
    r = shop.checkout(shop.cart(1, 1), "b")
    assert r.status_code == 409
    assert shop.stock(1) == 0

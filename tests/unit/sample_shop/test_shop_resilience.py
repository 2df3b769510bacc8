"""Each resilience pattern under the failure it is for, and (where it matters) switched off."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
from shop_rig import Fault, always, on_path, running_shop

from sample_shop.db.engine import make_engine
from sample_shop.shop.repository import Repository


def test_payment_down_is_a_503_with_retry_after_and_nothing_is_charged(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        shop.payment.rule = always("down")
        r = shop.checkout(shop.cart(1, 2), "k1")
        assert r.status_code == 503
        assert int(r.headers["Retry-After"]) >= 1
        order = shop.order(r.json()["order_id"])
        assert order["status"] == "failed"
        assert order["payment_charge_id"] is None
        assert shop.stock(1) == 1000  # released
        assert shop.payment.count("/authorize") == 3  # SHOP_RETRY_ATTEMPTS
        shop.payment.rule = None
        assert shop.charges() == []


def test_5xx_from_payment_is_retried_and_the_checkout_succeeds(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        shop.payment.rule = on_path("/authorize", "503", times=2)
        r = shop.checkout(shop.cart(), "k")
        assert r.status_code == 201, r.text
        assert shop.payment.count("/authorize") == 3
        assert len(shop.ledger()["authorizations"]) == 1


def test_without_retries_one_failed_attempt_fails_the_checkout(tmp_path: Path) -> None:
    with running_shop(tmp_path, retries=False) as shop:
        shop.payment.rule = on_path("/authorize", "503", times=1)
        assert shop.checkout(shop.cart(), "k").status_code == 503
        assert shop.payment.count("/authorize") == 1


def test_breaker_opens_after_fail_max_failures_and_then_fails_fast(tmp_path: Path) -> None:
    with running_shop(tmp_path, breaker_fail_max=3) as shop:
        shop.payment.rule = always("down")
        for key in ("a", "b"):  # each: one failed call to payment (after 3 attempts)
            assert shop.checkout(shop.cart(), key).status_code == 503
        assert shop.state()["breaker"] == {"state": "closed", "fail_counter": 2, "opened_at": None}
        assert shop.checkout(shop.cart(), "c").status_code == 503  # the 3rd opens it
        assert shop.payment.count("/authorize") == 3 * 3
        state = shop.state()["breaker"]
        assert state["state"] == "open" and state["opened_at"] > time.time() - 5

        calls = len(shop.payment.calls)
        r = shop.checkout(shop.cart(), "d")
        assert r.status_code == 503
        assert 25 <= int(r.headers["Retry-After"]) <= 30  # breaker_reset 30 s
        assert len(shop.payment.calls) == calls  # payment was not called at all
        assert shop.order(r.json()["order_id"])["status"] == "failed"
        assert shop.stock(1) == 1000


def test_a_flaky_payment_hidden_by_retries_does_not_open_the_breaker(tmp_path: Path) -> None:
    with running_shop(tmp_path, breaker_fail_max=2) as shop:
        flaky = {"n": 0}

        def every_other_call_fails(request: httpx.Request) -> Fault:
            flaky["n"] += 1
            return "down" if flaky["n"] % 2 else None

        shop.payment.rule = every_other_call_fails
        for i in range(5):
            assert shop.checkout(shop.cart(), f"k{i}").status_code == 201
        assert shop.state()["breaker"]["state"] == "closed"
        assert len(shop.charges()) == 5


def test_breaker_half_opens_after_the_reset_timeout_and_closes_on_success(
    tmp_path: Path,
) -> None:
    with running_shop(tmp_path, breaker_fail_max=2, breaker_reset=0.3) as shop:
        shop.payment.rule = always("down")
        shop.checkout(shop.cart(), "a")
        shop.checkout(shop.cart(), "b")
        assert shop.state()["breaker"]["state"] == "open"
        shop.payment.rule = None
        assert shop.checkout(shop.cart(), "c").status_code == 503  # still open
        time.sleep(0.35)
        assert shop.checkout(shop.cart(), "d").status_code == 201  # the trial call
        assert shop.state()["breaker"]["state"] == "closed"


def test_without_the_breaker_every_checkout_keeps_calling_payment(tmp_path: Path) -> None:
    with running_shop(tmp_path, breaker=False, breaker_fail_max=1) as shop:
        shop.payment.rule = always("down")
        for i in range(4):
            assert shop.checkout(shop.cart(), f"k{i}").status_code == 503
        assert shop.payment.count("/authorize") == 4 * 3
        assert shop.state()["breaker"]["state"] == "disabled"


def test_lost_capture_reply_default_profile_one_charge_one_order(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        shop.payment.rule = on_path("/capture", "lose-reply", times=1)
        r = shop.checkout(shop.cart(), "k1")
        assert r.status_code == 201, r.text  # the shop's retry replayed the capture
        assert shop.payment.count("/capture") == 2
        charges = shop.charges()
        assert len(charges) == 1
        assert charges[0]["id"] == r.json()["payment_charge_id"]
        assert [o["status"] for o in shop.orders()] == ["confirmed"]


def test_capture_outcome_unknown_keeps_the_order_and_the_retry_finishes_it(
    tmp_path: Path,
) -> None:
    """Every capture reply lost: charged, but the shop cannot know. The order stays pending
    (never failed with a charge), and the customer's retry with the same key confirms it."""
    with running_shop(tmp_path) as shop:
        cart = shop.cart()
        shop.payment.rule = on_path("/capture", "lose-reply")
        first = shop.checkout(cart, "k1")
        assert first.status_code == 503
        assert first.json()["status"] == "pending"
        assert len(shop.charges()) == 1
        shop.payment.rule = None
        again = shop.checkout(cart, "k1")
        assert again.status_code == 201, again.text
        assert again.json()["order_id"] == first.json()["order_id"]
        assert len(shop.charges()) == 1
        assert [o["status"] for o in shop.orders()] == ["confirmed"]
        assert shop.stock(1) == 999


def test_the_resolver_finishes_a_pending_order_nobody_comes_back_for(tmp_path: Path) -> None:
    with running_shop(tmp_path, resolve_after=0.3) as shop:
        shop.payment.rule = on_path("/capture", "lose-reply", times=3)
        r = shop.checkout(shop.cart(), "k1")
        assert r.status_code == 503
        order_id = r.json()["order_id"]
        shop.wait_for("the resolver", lambda: shop.order(order_id)["status"] == "confirmed")
        assert len(shop.charges()) == 1
        assert shop.order(order_id)["payment_charge_id"] == shop.charges()[0]["id"]


def test_unsafe_without_idempotency_a_retry_double_charges(tmp_path: Path) -> None:
    with running_shop(tmp_path, idempotency=False) as shop:
        shop.payment.rule = on_path("/capture", "lose-reply", times=1)
        cart = shop.cart()
        first = shop.checkout(cart, "k1")
        # charged, then the shop's own retry is refused (already_captured): the customer
        # sees a failure ...
        assert first.status_code >= 500
        assert "Idempotency-Key" not in shop.payment.calls[0].headers
        second = shop.checkout(cart, "k1")  # ... and retries with the same key
        assert second.status_code == 201
        charges = shop.charges()
        assert len(charges) == 2  # charged twice for one purchase
        assert charges[0]["reference"] != charges[1]["reference"]
        orders = shop.orders()
        assert sorted(o["status"] for o in orders) == ["confirmed", "failed"]
        assert all(o["idempotency_key"] is None for o in orders)


def test_shipping_down_order_confirmed_then_labelled_by_the_outbox(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        shop.shipping.rule = always("down")
        r = shop.checkout(shop.cart(), "k1")
        assert r.status_code == 201
        order = r.json()
        assert order["status"] == "confirmed" and order["shipping_status"] == "pending"
        assert order["shipping_cents"] == shop.settings.flat_shipping_cents
        assert shop.state()["outbox_pending"] == 1
        time.sleep(0.2)  # a few outbox passes while shipping is still down
        assert shop.order(order["order_id"])["shipping_status"] == "pending"
        shop.shipping.rule = None
        shop.wait_for(
            "the outbox", lambda: shop.order(order["order_id"])["shipping_status"] == "labelled"
        )
        time.sleep(0.2)  # more passes: still one label
        assert [lbl["order_id"] for lbl in shop.labels()] == [order["order_id"]]
        assert shop.state()["outbox_pending"] == 0
        assert len(shop.charges()) == 1


def test_unsafe_without_outbox_shipping_down_leaves_an_orphan_charge(tmp_path: Path) -> None:
    with running_shop(tmp_path, outbox=False) as shop:
        shop.shipping.rule = always("down")
        r = shop.checkout(shop.cart(), "k1")
        assert r.status_code == 500
        charges = shop.charges()
        assert len(charges) == 1  # the money was taken ...
        order = shop.order(r.json()["order_id"])
        assert order["status"] == "failed"  # ... for an order the shop calls failed
        assert charges[0]["reference"] == order["order_id"]
        assert shop.labels() == []
        assert "outbox" not in shop.client.app.state.worker.jobs  # type: ignore[attr-defined]


def test_the_same_key_at_once_makes_one_order_and_one_charge(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        cart = shop.cart(1, 1)
        statuses: list[int] = []
        order_ids: set[str] = set()
        lock = threading.Lock()

        def go() -> None:
            r = shop.checkout(cart, "same-key")
            with lock:
                statuses.append(r.status_code)
                order_ids.add(r.json().get("order_id", ""))

        threads = [threading.Thread(target=go) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert sorted(statuses)[-1] in (200, 201) and all(s in (200, 201) for s in statuses)
        assert len(order_ids) == 1
        assert len(shop.orders()) == 1
        assert len(shop.charges()) == 1
        assert shop.stock(1) == 999


def test_the_resolver_fails_an_abandoned_order_that_never_reached_payment(
    tmp_path: Path,
) -> None:
    """A replica died between placing the order and authorizing: no money moved, so the
    order fails and its stock comes back."""
    with running_shop(tmp_path, resolve_after=0.2) as shop:
        repo = Repository(make_engine(shop.db_url, pool_size=1))
        cart = repo.cart(shop.cart(2, 3))
        assert cart is not None
        order = repo.place_order(key="k", cart=cart, shipping_cents=0, instance="dead-replica")
        assert shop.stock(2) == 997
        shop.wait_for("the resolver", lambda: shop.order(order.order_id)["status"] == "failed")
        assert shop.order(order.order_id)["failure"] == "abandoned before payment"
        assert shop.stock(2) == 1000
        assert shop.ledger()["authorizations"] == []
        repo.dispose()

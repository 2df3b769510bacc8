"""Catalog and carts, JSON logs, and the request id travelling to the providers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from shop_rig import running_shop

from sample_shop.common.jsonlog import JsonLog
from sample_shop.common.request_context import clean_request_id, request_scope

LOG_KEYS = [
    "ts",
    "level",
    "service",
    "instance",
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "msg",
]


def test_catalog(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        listing = shop.client.get("/products").json()
        assert [p["id"] for p in listing] == [1, 2, 3]
        assert set(listing[0]) == {"id", "sku", "name", "price_cents", "stock"}
        assert shop.client.get("/products/2").json() == listing[1]
        assert shop.client.get("/products/99").status_code == 404
        assert shop.client.get("/products/abc").status_code == 422


def test_carts(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        created = shop.client.post("/carts")
        assert created.status_code == 201
        cart = created.json()["cart_id"]
        assert shop.client.get(f"/carts/{cart}").json() == {
            "cart_id": cart,
            "items": [],
            "total_cents": 0,
        }
        add = shop.client.post(f"/carts/{cart}/items", json={"product_id": 2, "quantity": 3})
        assert add.status_code == 200
        again = shop.client.post(f"/carts/{cart}/items", json={"product_id": 2, "quantity": 1})
        price = shop.client.get("/products/2").json()["price_cents"]
        assert again.json() == {
            "cart_id": cart,
            "items": [{"product_id": 2, "quantity": 4, "price_cents": price}],
            "total_cents": 4 * price,
        }
        assert shop.client.get(f"/carts/{cart}").json() == again.json()
        for bad in (0, -1, 101):
            r = shop.client.post(f"/carts/{cart}/items", json={"product_id": 2, "quantity": bad})
            assert r.status_code == 422
        r = shop.client.post(f"/carts/{cart}/items", json={"product_id": 99, "quantity": 1})
        assert r.status_code == 404
        r = shop.client.post("/carts/nope/items", json={"product_id": 1, "quantity": 1})
        assert r.status_code == 404
        assert shop.client.get("/carts/nope").status_code == 404


def test_the_request_id_comes_back_and_goes_on_to_the_providers(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        cart = shop.cart()
        r = shop.client.post(
            "/checkout",
            json={"cart_id": cart},
            headers={"Idempotency-Key": "k", "X-Request-ID": "rid-42"},
        )
        assert r.status_code == 201
        assert r.headers["x-request-id"] == "rid-42"
        sent = [req.headers.get("X-Request-ID") for req in shop.payment.calls]
        sent += [req.headers.get("X-Request-ID") for req in shop.shipping.calls]
        assert sent and set(sent) == {"rid-42"}
        made_up = shop.client.get("/products").headers["x-request-id"]
        assert len(made_up) == 32


def test_access_log_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with running_shop(tmp_path, access_log=True) as shop:
        shop.client.get("/products/1", headers={"X-Request-ID": "abc"})
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    access = [
        entry for entry in lines if entry["msg"] == "request" and entry["request_id"] == "abc"
    ]
    assert len(access) == 1
    entry = access[0]
    assert list(entry)[:10] == LOG_KEYS
    assert (entry["service"], entry["instance"], entry["method"], entry["path"]) == (
        "shop",
        "shop-test",
        "GET",
        "/products/1",
    )
    assert entry["status"] == 200 and entry["duration_ms"] >= 0


def test_json_log_lines_have_the_same_keys_everywhere() -> None:
    out = io.StringIO()
    log = JsonLog("shop", "i-1", stream=out)
    with request_scope("r-1"):
        log.warning("something", order_id="o")
    log.info("plain")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert list(first)[:10] == LOG_KEYS and list(second) == LOG_KEYS
    assert (first["request_id"], first["level"], first["order_id"]) == ("r-1", "warning", "o")
    assert second["request_id"] is None


def test_unusable_request_ids_are_replaced() -> None:
    assert clean_request_id("ok-1") == "ok-1"
    assert clean_request_id("x" * 500) == "x" * 128
    assert len(clean_request_id("bad\nid")) == 32
    assert len(clean_request_id(None)) == 32

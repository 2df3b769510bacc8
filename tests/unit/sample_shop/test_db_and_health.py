from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sample_shop.db.__main__ import init, main
from sample_shop.db.engine import make_engine
from sample_shop.db.schema import products
from sample_shop.shop.app import create_app
from sample_shop.shop.config import Settings

from .conftest import ShopFactory


def test_db_init_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a.db'}"
    assert main(["init", "--url", url, "--products", "5"]) == 0
    assert main(["init", "--url", url, "--products", "5"]) == 0
    engine = make_engine(url, pool_size=1)
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(products)).scalar_one() == 5
    assert init(engine, n_products=5) == 0
    engine.dispose()


def test_db_init_rejects_unknown_urls(tmp_path: Path) -> None:
    assert main(["init", "--url", "mysql://x"]) == 1


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = Settings(
        db_url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}",
        payment_url="http://p",
        shipping_url="http://s",
        access_log=False,
    )
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["status"] == "database unreachable"


def test_catalog_and_cart(make_shop: ShopFactory) -> None:
    shop = make_shop()
    assert len(shop.client.get("/products").json()) == 3
    assert shop.client.get("/products/99").status_code == 404
    cart = shop.cart(2, 3)
    body = shop.client.get(f"/carts/{cart}").json()
    assert body["items"][0]["quantity"] == 3
    assert (
        shop.client.post(f"/carts/{cart}/items", json={"product_id": 2, "quantity": 0}).status_code
        == 422
    )
    assert shop.client.get("/carts/nope").status_code == 404
    r = shop.client.post(
        "/checkout",
        json={"cart_id": shop.client.post("/carts").json()["cart_id"]},
        headers={"Idempotency-Key": "e"},
    )
    assert r.status_code == 409


def test_request_id_is_passed_through(make_shop: ShopFactory) -> None:
    shop = make_shop()
    r = shop.client.get("/products", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"

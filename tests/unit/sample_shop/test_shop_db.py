"""The database: engine settings, `python -m sample_shop.db init`, several processes sharing
one SQLite file, readiness."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from shop_rig import make_settings, running_shop, seed
from sqlalchemy import func, select, text

from sample_shop.db.__main__ import main
from sample_shop.db.engine import database_url, make_engine
from sample_shop.db.schema import products
from sample_shop.shop.app import create_app
from sample_shop.shop.repository import Cart, Line, Repository


def count_products(url: str) -> int:
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(products)).scalar_one())
    finally:
        engine.dispose()


def test_db_init_twice_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'shop.db'}"  # the directory is made too
    assert main(["init", "--url", url, "--products", "5", "--stock", "7"]) == 0
    assert "5 products added" in capsys.readouterr().out
    engine = make_engine(url, pool_size=1)
    with engine.begin() as c:
        c.execute(text("UPDATE products SET stock = 1 WHERE id = 1"))
    engine.dispose()
    assert main(["init", "--url", url, "--products", "5"]) == 0
    assert "0 products added" in capsys.readouterr().out
    assert count_products(url) == 5
    repo = Repository(make_engine(url, pool_size=1))
    assert repo.stock(1) == 1  # existing stock is left alone
    assert repo.product(2) == {
        "id": 2,
        "sku": "SKU-0002",
        "name": "cap #2",
        "price_cents": 774,
        "stock": 7,
    }
    repo.dispose()
    assert main(["init", "--url", url, "--products", "8"]) == 0  # grows the catalog
    assert count_products(url) == 8


def test_two_processes_racing_db_init(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'race.db'}"
    argv = [sys.executable, "-m", "sample_shop.db", "init", "--url", url]
    procs = [
        subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    results = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], results
    assert count_products(url) == 20


def test_db_init_refuses_unknown_urls(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--url", "mysql://x/y"]) == 2
    assert "sqlite:///PATH or postgresql://" in capsys.readouterr().err


def test_postgres_urls_use_psycopg_3() -> None:
    assert database_url("postgresql://shop@127.0.0.1:5432/shop") == (
        "postgresql+psycopg://shop@127.0.0.1:5432/shop"
    )
    engine = make_engine("postgresql://shop@127.0.0.1:1/shop")
    assert engine.dialect.driver == "psycopg"
    assert engine.pool.timeout() == 2.0  # type: ignore[attr-defined]
    engine.dispose()


def test_sqlite_connections_are_set_up_for_several_processes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.db'}"
    engine = make_engine(url)
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000
        assert c.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    engine.dispose()


def test_two_engines_writing_one_file_at_once(tmp_path: Path) -> None:
    """Two 'replicas' (engines with their own pools) placing orders concurrently: no
    'database is locked', and stock adds up."""
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    seed(url, stock=10_000)
    repos = [Repository(make_engine(url)), Repository(make_engine(url))]
    errors: list[BaseException] = []

    def place(repo: Repository, n: int) -> None:
        try:
            for i in range(n):
                cart = Cart(f"c{i}", (Line(1, 1, 100), Line(2, 2, 100)))
                order = repo.place_order(key=None, cart=cart, shipping_cents=0, instance="x")
                repo.record_authorization(order.order_id, "a")
                repo.confirm_order(order.order_id, "c")
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=place, args=(r, 40)) for r in repos for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert repos[0].stock(1) == 10_000 - 8 * 40
    assert repos[1].stock(2) == 10_000 - 2 * 8 * 40
    assert len(repos[0].all_orders()) == 8 * 40
    for r in repos:
        r.dispose()


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, db_url=f"sqlite:///{tmp_path / 'missing' / 'x.db'}")
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").json() == {"status": "alive", "instance": "shop-test"}
        r = client.get("/readyz")
        assert r.status_code == 503
        assert r.json()["status"].startswith("database unreachable")
        assert client.get("/products").status_code == 503  # database errors are 503 too
        state = client.get("/admin/state").json()  # still answers, without the count
        assert state["outbox_pending"] is None and state["breaker"]["state"] == "closed"


def test_readyz_is_503_once_shutdown_has_begun(tmp_path: Path) -> None:
    with running_shop(tmp_path) as shop:
        assert shop.client.get("/readyz").status_code == 200
        app = shop.client.app
        worker = app.state.worker  # type: ignore[attr-defined]
        assert worker.running
    # the lifespan's shutdown has run; a request that still arrives (no lifespan here) sees:
    late = TestClient(app)  # type: ignore[arg-type]
    r = late.get("/readyz")
    late.close()
    assert r.status_code == 503
    assert r.json()["status"] == "shutting down"
    assert not worker.running

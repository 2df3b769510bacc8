"""Create the schema and seed the catalog: idempotent, and safe when two processes race.

Everything happens in one transaction under a lock that serialises concurrent runs
(BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL): the second run finds the tables
and the products there and adds nothing. Existing products (and their stock) are never touched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select, text

from sample_shop.db.engine import writer
from sample_shop.db.schema import metadata, products

NAMES = ("mug", "tee", "cap", "socks", "scarf", "tote", "pin", "poster", "notebook", "hoodie")
_PG_LOCK_KEY = 7_263_451  # any constant: "the sample shop's schema"


def catalog_row(product_id: int, stock: int) -> dict[str, Any]:
    """Product n of the catalog (deterministic)."""
    return {
        "id": product_id,
        "sku": f"SKU-{product_id:04d}",
        "name": f"{NAMES[product_id % len(NAMES)]} #{product_id}",
        "price_cents": 500 + (product_id * 137) % 4500,
        "stock": stock,
    }


def init_database(engine: Engine, *, n_products: int = 20, stock: int = 1_000_000) -> int:
    """Create the tables and products 1..n_products that are missing; return how many added."""
    with writer(engine).begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        metadata.create_all(conn)
        have = set(conn.execute(select(products.c.id)).scalars())
        rows = [catalog_row(i, stock) for i in range(1, n_products + 1) if i not in have]
        if rows:
            conn.execute(products.insert(), rows)
    return len(rows)

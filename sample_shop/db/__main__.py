"""`python -m sample_shop.db init --url URL [--products N --stock S]`: schema + catalog.

Idempotent: safe to run twice, and safe when two processes race (inserts ignore duplicates).
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from sample_shop.db.engine import make_engine, writer
from sample_shop.db.schema import metadata, products

NAMES = ["mug", "tee", "cap", "socks", "scarf", "tote", "pin", "poster", "notebook", "hoodie"]


def init(engine: Engine, *, n_products: int = 20, stock: int = 1_000_000) -> int:
    """Create the tables and the catalog; return how many products were added."""
    metadata.create_all(engine)
    added = 0
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(products)).scalar_one()
    for i in range(have + 1, n_products + 1):
        row = {
            "id": i,
            "sku": f"SKU-{i:04d}",
            "name": f"{NAMES[i % len(NAMES)]} #{i}",
            "price_cents": 500 + (i * 137) % 4500,
            "stock": stock,
        }
        try:
            with writer(engine).begin() as conn:
                conn.execute(products.insert().values(**row))
            added += 1
        except IntegrityError:
            continue  # another process inserted it first
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sample_shop.db")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create the schema and seed the catalog (idempotent)")
    p.add_argument("--url", required=True, help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
    p.add_argument("--products", type=int, default=20)
    p.add_argument("--stock", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    try:
        engine = make_engine(args.url, pool_size=1)
        added = init(engine, n_products=args.products, stock=args.stock)
    except (ValueError, OperationalError) as e:
        print(f"db init failed: {e}", file=sys.stderr)
        return 1
    print(f"database ready ({added} products added)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

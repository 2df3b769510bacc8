"""`python -m sample_shop.db init --url URL [--products N --stock S --wait SECONDS]`.

Creates the schema and seeds the catalog, idempotently (safe to run twice, safe when two
processes race). Waits up to --wait seconds for the database to answer.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError

from sample_shop.db.engine import database_url, make_engine
from sample_shop.db.seed import init_database


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sample_shop.db")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create the schema and seed the catalog (idempotent)")
    p.add_argument("--url", required=True, help="sqlite:///PATH or postgresql://USER@HOST:PORT/DB")
    p.add_argument("--products", type=int, default=20, help="catalog size (default 20)")
    p.add_argument("--stock", type=int, default=1_000_000, help="stock of each new product")
    p.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the database")
    return parser


def init_command(url: str, *, n_products: int, stock: int, wait: float) -> int:
    try:
        sa_url = database_url(url)
    except ValueError as e:
        print(f"db init: {e}", file=sys.stderr)
        return 2
    if sa_url.startswith("sqlite:///"):
        Path(sa_url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url, pool_size=1, max_overflow=0)
    give_up = time.monotonic() + wait
    try:
        while True:
            try:
                added = init_database(engine, n_products=n_products, stock=stock)
                break
            except OperationalError as e:
                if time.monotonic() >= give_up:
                    print(f"db init failed: {e.orig or e}", file=sys.stderr)
                    return 1
                time.sleep(0.2)
    finally:
        engine.dispose()
    print(f"database ready: {added} products added")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return init_command(args.url, n_products=args.products, stock=args.stock, wait=args.wait)


if __name__ == "__main__":
    sys.exit(main())

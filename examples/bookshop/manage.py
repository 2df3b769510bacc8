"""The Bookshop's management commands: `migrate` (apply migrations/*.sql once each, in order)
and `seed` (the catalogue). Run by shopchaos as setup steps, or by hand."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg

BOOKS = [
    (f"97800000000{i:02d}", f"Volume {i} of the Collected Works", 900 + i * 50)
    for i in range(1, 21)
]


def migrate(conn: psycopg.Connection) -> None:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migration (name text PRIMARY KEY)")
    done = {r[0] for r in conn.execute("SELECT name FROM schema_migration")}
    for path in sorted((Path(__file__).parent / "migrations").glob("*.sql")):
        if path.name in done:
            continue
        with conn.transaction():
            conn.execute(path.read_text())
            conn.execute("INSERT INTO schema_migration (name) VALUES (%s)", (path.name,))
        print(f"applied {path.name}")


def seed(conn: psycopg.Connection) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO catalogue_book (isbn, title, price_cents) VALUES (%s, %s, %s) "
            "ON CONFLICT (isbn) DO NOTHING",
            BOOKS,
        )
    print(f"catalogue: {len(BOOKS)} books")


def main() -> int:
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command not in ("migrate", "seed"):
        print("usage: manage.py migrate|seed  (BOOKSHOP_DATABASE_URL)", file=sys.stderr)
        return 2
    with psycopg.connect(os.environ["BOOKSHOP_DATABASE_URL"], autocommit=True) as conn:
        (migrate if command == "migrate" else seed)(conn)
    return 0


if __name__ == "__main__":
    sys.exit(main())

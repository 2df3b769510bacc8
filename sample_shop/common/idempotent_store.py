"""A small SQLite store for the providers: ledger rows and replayed answers by idempotency key."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from typing import Any


class Store:
    def __init__(self, path: str, schema: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=5)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        with self._lock:
            self._conn.executescript(
                schema
                + """
                CREATE TABLE IF NOT EXISTS replies (
                    key TEXT NOT NULL, endpoint TEXT NOT NULL, status INTEGER NOT NULL,
                    body TEXT NOT NULL, created_at REAL NOT NULL, PRIMARY KEY (endpoint, key));
                """
            )

    def replay(self, endpoint: str, key: str | None) -> tuple[int, dict[str, Any]] | None:
        if key is None:
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT status, body FROM replies WHERE key = ? AND endpoint = ?", (key, endpoint)
            ).fetchone()
        return (int(row[0]), json.loads(row[1])) if row else None

    def transaction(
        self,
        statements: list[tuple[str, tuple[Any, ...]]],
        endpoint: str,
        key: str | None,
        status: int,
        body: dict[str, Any],
    ) -> None:
        """Write ledger rows and the reply for `key` atomically."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    self._conn.execute(sql, params)
                if key is not None:
                    self._conn.execute(
                        "INSERT INTO replies (key, endpoint, status, body, created_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (key, endpoint, status, json.dumps(body), time.time()),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

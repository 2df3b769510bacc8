"""The providers' ledger: one SQLite file, one writer at a time, idempotent replies by key.

Each call runs in one transaction (a lock in the process plus BEGIN IMMEDIATE across
processes), so "have I seen this key?", the business checks and the ledger rows are atomic:
two concurrent calls with the same key give one ledger entry and the same answer twice.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Body = dict[str, Any]
Answer = tuple[int, Body]

_REPLIES = """
CREATE TABLE IF NOT EXISTS replies (
    endpoint TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    PRIMARY KEY (endpoint, idempotency_key)
);
"""


def fingerprint(request: Body) -> str:
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:32]


class Tx:
    """The open transaction handed to a provider's rules."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        cur = self._conn.execute(sql, params)
        row = cur.fetchone()
        if row is None:
            return None
        return {d[0]: v for d, v in zip(cur.description, row, strict=True)}

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return self._conn.execute(sql, params).rowcount


class LedgerStore:
    def __init__(self, path: str, schema: str) -> None:
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=5.0
        )
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.Lock()
        with self._lock:
            self._conn.executescript(schema + _REPLIES)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield Tx(self._conn)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def once(
        self,
        endpoint: str,
        key: str | None,
        request: Body,
        work: Callable[[Tx], Answer],
    ) -> Answer:
        """Run `work` unless `key` was seen: then answer 200 with the first (successful) answer.

        Without a key every call is new. Refusals (4xx) are not remembered: the same call
        is checked again next time. A key reused with a different request is refused (422).
        """
        with self.transaction() as tx:
            if key is None:
                return work(tx)
            digest = fingerprint(request)
            seen = tx.one(
                "SELECT fingerprint, body FROM replies WHERE endpoint = ? AND idempotency_key = ?",
                (endpoint, key),
            )
            if seen is not None:
                if seen["fingerprint"] != digest:
                    return 422, {"error": "idempotency_key_reused", "idempotency_key": key}
                return 200, dict(json.loads(seen["body"]))
            status, body = work(tx)
            if status < 400:
                tx.execute(
                    "INSERT INTO replies (endpoint, idempotency_key, fingerprint, status, body,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (endpoint, key, digest, status, json.dumps(body), time.time()),
                )
            return status, body

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self._lock:
            cur = self._conn.execute(sql, params)
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def close(self) -> None:
        with self._lock:
            self._conn.close()

"""The engine factory: one engine (and pool) per process, for SQLite or PostgreSQL.

SQLite (`sqlite:///PATH`): WAL, busy_timeout 5000 ms and synchronous NORMAL on every
connection, so several replicas (processes) share one file. pysqlite's own transaction
handling is off: reads run statement by statement (they never block writers in WAL), and
writes go through `writer(engine)`, which begins with BEGIN IMMEDIATE: the write lock is taken
up front (waiting up to busy_timeout) instead of failing to upgrade a read lock halfway.

PostgreSQL (`postgresql://USER@HOST:PORT/DB`): psycopg 3, connect_timeout 2 s,
statement_timeout 5 s, pool_pre_ping, pool_timeout 2 s.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

SQLITE_BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 2
PG_STATEMENT_TIMEOUT_MS = 5000
PG_POOL_TIMEOUT_S = 2.0

_WRITE_OPTION = "shop_write"


def database_url(url: str) -> str:
    """The SQLAlchemy URL for a shop database URL (postgresql:// means psycopg 3)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise ValueError(
        f"database URL {url!r}: write sqlite:///PATH or postgresql://USER@HOST:PORT/DB"
    )


def make_engine(url: str, *, pool_size: int = 10, max_overflow: int = 20) -> Engine:
    url = database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=max_overflow,
            pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        )
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=PG_POOL_TIMEOUT_S,
        pool_pre_ping=True,
        pool_recycle=300,
        connect_args={
            "connect_timeout": PG_CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={PG_STATEMENT_TIMEOUT_MS}",
            "application_name": "sample-shop",
        },
    )


def writer(engine: Engine) -> Engine:
    """The same engine and pool, for transactions that write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(**{_WRITE_OPTION: True})


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def is_sqlite_busy(exc: BaseException) -> bool:
    """SQLITE_BUSY / SQLITE_LOCKED that outlasted busy_timeout: worth trying again."""
    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if not isinstance(orig, sqlite3.OperationalError):
        return False
    text = str(orig).lower()
    return "locked" in text or "busy" in text


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see _sqlite_begin)
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _sqlite_begin(conn: Any) -> None:
    if conn.get_execution_options().get(_WRITE_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")

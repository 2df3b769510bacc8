"""One engine per process, for SQLite (WAL, shared by several replicas) or PostgreSQL."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool


def normalise_url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith(("sqlite:///", "postgresql+psycopg://")):
        return url
    raise ValueError(f"database URL {url!r}: use sqlite:///PATH or postgresql://USER@HOST:PORT/DB")


def make_engine(url: str, *, pool_size: int = 8) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            poolclass=QueuePool,
            pool_size=pool_size,
            max_overflow=8,
            pool_timeout=5,
            connect_args={"timeout": 5, "check_same_thread": False, "isolation_level": None},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=8,
        pool_timeout=2,
        pool_pre_ping=True,
        pool_recycle=300,
        connect_args={"connect_timeout": 2, "options": "-c statement_timeout=5000"},
    )


def _sqlite_pragmas(dbapi_conn: sqlite3.Connection, _: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn: Any) -> None:
    # pysqlite's own transaction handling is off (isolation_level None), so reads autocommit
    # statement by statement and never block writers. Writers (engines made with
    # writer(engine)) begin IMMEDIATE: they take the write lock up front, waiting up to
    # busy_timeout, instead of failing to upgrade a read lock halfway through.
    if conn.get_execution_options().get("shop_write"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def writer(engine: Engine) -> Engine:
    """The same engine, for transactions that write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(shop_write=True)

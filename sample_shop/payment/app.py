"""Payment provider. `uvicorn --factory sample_shop.payment.app:create_app`; ledger in PAYMENT_DB.

With an Idempotency-Key a replayed call returns the first answer (200); without one every call
is new. A second capture of an authorization without a key is refused (409 already_captured).
Deterministic and fast unless Toxiproxy degrades the way to it.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_shop.common.idempotent_store import Store
from sample_shop.common.logging import JsonLog, RequestLogMiddleware

SCHEMA = """
CREATE TABLE IF NOT EXISTS authorizations (
    id TEXT PRIMARY KEY, reference TEXT, amount_cents INTEGER NOT NULL, currency TEXT NOT NULL,
    idempotency_key TEXT, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY, authorization_id TEXT NOT NULL, reference TEXT,
    amount_cents INTEGER NOT NULL, status TEXT NOT NULL, idempotency_key TEXT,
    created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY, charge_id TEXT NOT NULL, amount_cents INTEGER NOT NULL,
    idempotency_key TEXT, created_at REAL NOT NULL);
"""

Key = Header(default=None, alias="Idempotency-Key")


class Authorize(BaseModel):
    amount_cents: int = Field(gt=0)
    currency: str = "EUR"
    reference: str


class Capture(BaseModel):
    authorization_id: str
    amount_cents: int = Field(gt=0)


class Refund(BaseModel):
    charge_id: str


def create_app(db_path: str | None = None) -> FastAPI:
    store = Store(db_path or os.environ.get("PAYMENT_DB", "payment.db"), SCHEMA)
    log = JsonLog("payment", os.environ.get("PAYMENT_INSTANCE", "payment"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="payment provider", lifespan=lifespan)

    def once(endpoint: str, key: str | None, work: Any) -> JSONResponse:
        replay = store.replay(endpoint, key)
        if replay is not None:
            return JSONResponse(replay[1], status_code=200)
        status, body, rows = work()
        if status >= 400:
            return JSONResponse(body, status_code=status)
        try:
            store.transaction(rows, endpoint, key, status, body)
        except sqlite3.IntegrityError:
            replay = store.replay(endpoint, key)  # a concurrent call with the same key won
            if replay is None:
                raise
            return JSONResponse(replay[1], status_code=200)
        return JSONResponse(body, status_code=status)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.post("/authorize")
    def authorize(req: Authorize, idempotency_key: str | None = Key) -> JSONResponse:
        def work() -> tuple[int, dict[str, Any], list[tuple[str, tuple[Any, ...]]]]:
            auth_id = "auth_" + uuid.uuid4().hex[:16]
            row = (
                auth_id,
                req.reference,
                req.amount_cents,
                req.currency,
                idempotency_key,
                time.time(),
            )
            body = {
                "authorization_id": auth_id,
                "status": "authorized",
                "amount_cents": req.amount_cents,
            }
            return 201, body, [("INSERT INTO authorizations VALUES (?, ?, ?, ?, ?, ?)", row)]

        return once("authorize", idempotency_key, work)

    @app.post("/capture")
    def capture(req: Capture, idempotency_key: str | None = Key) -> JSONResponse:
        def work() -> tuple[int, dict[str, Any], list[tuple[str, tuple[Any, ...]]]]:
            auth = store.query("SELECT * FROM authorizations WHERE id = ?", (req.authorization_id,))
            if not auth:
                return 404, {"error": "unknown_authorization"}, []
            if req.amount_cents > auth[0]["amount_cents"]:
                return 422, {"error": "amount_exceeds_authorization"}, []
            if store.query(
                "SELECT id FROM charges WHERE authorization_id = ? AND status = 'captured'",
                (req.authorization_id,),
            ):
                return 409, {"error": "already_captured"}, []
            charge_id = "ch_" + uuid.uuid4().hex[:16]
            row = (
                charge_id,
                req.authorization_id,
                auth[0]["reference"],
                req.amount_cents,
                "captured",
                idempotency_key,
                time.time(),
            )
            body = {"charge_id": charge_id, "status": "captured", "amount_cents": req.amount_cents}
            return 201, body, [("INSERT INTO charges VALUES (?, ?, ?, ?, ?, ?, ?)", row)]

        return once("capture", idempotency_key, work)

    @app.post("/refund")
    def refund(req: Refund, idempotency_key: str | None = Key) -> JSONResponse:
        def work() -> tuple[int, dict[str, Any], list[tuple[str, tuple[Any, ...]]]]:
            charge = store.query("SELECT * FROM charges WHERE id = ?", (req.charge_id,))
            if not charge:
                return 404, {"error": "unknown_charge"}, []
            refund_id = "re_" + uuid.uuid4().hex[:16]
            rows: list[tuple[str, tuple[Any, ...]]] = [
                (
                    "INSERT INTO refunds VALUES (?, ?, ?, ?, ?)",
                    (
                        refund_id,
                        req.charge_id,
                        charge[0]["amount_cents"],
                        idempotency_key,
                        time.time(),
                    ),
                ),
                ("UPDATE charges SET status = 'refunded' WHERE id = ?", (req.charge_id,)),
            ]
            return 201, {"refund_id": refund_id, "status": "refunded"}, rows

        return once("refund", idempotency_key, work)

    @app.get("/ledger")
    def ledger() -> dict[str, Any]:
        return {
            "authorizations": store.query("SELECT * FROM authorizations ORDER BY created_at"),
            "charges": store.query("SELECT * FROM charges ORDER BY created_at"),
            "refunds": store.query("SELECT * FROM refunds ORDER BY created_at"),
        }

    app.add_middleware(RequestLogMiddleware, log=log, access_log=False)
    return app

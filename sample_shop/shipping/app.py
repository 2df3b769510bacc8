"""Shipping provider: `uvicorn --factory sample_shop.shipping.app:create_app`.

Labels are kept in SHIPPING_DB (SQLite) and are idempotent by key.
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
CREATE TABLE IF NOT EXISTS labels (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL, tracking TEXT NOT NULL,
    idempotency_key TEXT, created_at REAL NOT NULL);
"""


class Item(BaseModel):
    product_id: int
    quantity: int = Field(ge=1)


class QuoteRequest(BaseModel):
    items: list[Item]
    destination: str = "DE"


class LabelRequest(BaseModel):
    order_id: str


def quote_cents(items: list[Item], destination: str) -> int:
    """Deterministic: a base rate per destination plus a little per item."""
    base = 499 if destination.upper() in ("DE", "AT", "NL", "FR") else 1299
    return base + 50 * sum(i.quantity for i in items)


def create_app(db_path: str | None = None) -> FastAPI:
    store = Store(db_path or os.environ.get("SHIPPING_DB", "shipping.db"), SCHEMA)
    log = JsonLog("shipping", os.environ.get("SHIPPING_INSTANCE", "shipping"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="shipping provider", lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @app.post("/quote")
    def quote(req: QuoteRequest) -> dict[str, Any]:
        return {
            "quote_id": "q_" + uuid.uuid4().hex[:12],
            "amount_cents": quote_cents(req.items, req.destination),
        }

    @app.post("/labels", status_code=201)
    def label(
        req: LabelRequest,
        idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
    ) -> JSONResponse:
        replay = store.replay("labels", idempotency_key)
        if replay is not None:
            return JSONResponse(replay[1], status_code=200)
        label_id = "lbl_" + uuid.uuid4().hex[:12]
        body = {
            "label_id": label_id,
            "tracking": "TRK" + uuid.uuid4().hex[:10].upper(),
            "order_id": req.order_id,
        }
        row = (label_id, req.order_id, body["tracking"], idempotency_key, time.time())
        try:
            store.transaction(
                [("INSERT INTO labels VALUES (?, ?, ?, ?, ?)", row)],
                "labels",
                idempotency_key,
                201,
                body,
            )
        except sqlite3.IntegrityError:
            replay = store.replay("labels", idempotency_key)
            if replay is None:
                raise
            return JSONResponse(replay[1], status_code=200)
        return JSONResponse(body, status_code=201)

    @app.get("/labels")
    def labels() -> dict[str, Any]:
        return {"labels": store.query("SELECT * FROM labels ORDER BY created_at")}

    app.add_middleware(RequestLogMiddleware, log=log, access_log=False)
    return app

"""Shipping provider: `uvicorn --factory sample_shop.shipping.app:create_app`.

POST /quote (deterministic), POST /labels (201; with an Idempotency-Key a replay answers 200
with the same label), GET /labels, GET /healthz. Labels in the SQLite file SHIPPING_DB.
SHIPPING_ACCESS_LOG=on logs one JSON line per request.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_shop.common import env
from sample_shop.common.jsonlog import JsonLog
from sample_shop.common.ledger_store import Answer, LedgerStore, Tx
from sample_shop.common.middleware import RequestContextMiddleware
from sample_shop.shipping import rates

SCHEMA = """
CREATE TABLE IF NOT EXISTS labels (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    tracking TEXT NOT NULL,
    idempotency_key TEXT,
    created_at REAL NOT NULL
);
"""

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


class Item(BaseModel):
    product_id: int
    quantity: int = Field(ge=1)


class QuoteRequest(BaseModel):
    items: list[Item]
    destination: str = Field(default="DE", min_length=2, max_length=2)


class LabelRequest(BaseModel):
    order_id: str = Field(min_length=1, max_length=200)


def _new_label(tx: Tx, order_id: str, key: str | None) -> Answer:
    label_id = "lbl_" + uuid.uuid4().hex[:16]
    tracking = "TRK" + uuid.uuid4().hex[:12].upper()
    tx.execute(
        "INSERT INTO labels (id, order_id, tracking, idempotency_key, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (label_id, order_id, tracking, key, time.time()),
    )
    return 201, {"label_id": label_id, "tracking": tracking, "order_id": order_id}


def create_app(db_path: str | None = None) -> FastAPI:
    store = LedgerStore(db_path or env.text("SHIPPING_DB"), SCHEMA)
    log = JsonLog("shipping", env.text("SHIPPING_INSTANCE", "shipping"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="shipping provider", lifespan=lifespan, openapi_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": "shipping"}

    @app.post("/quote")
    async def quote(req: QuoteRequest) -> dict[str, object]:
        quantities = [(i.product_id, i.quantity) for i in req.items]
        return {
            "quote_id": rates.quote_id(quantities, req.destination),
            "amount_cents": rates.quote_cents(quantities, req.destination),
            "destination": req.destination.upper(),
        }

    @app.post("/labels")
    def create_label(req: LabelRequest, key: IdempotencyKey = None) -> JSONResponse:
        status, body = store.once(
            "labels", key, req.model_dump(), lambda tx: _new_label(tx, req.order_id, key)
        )
        if status == 201:
            log.info("labelled", idempotency_key=key, entry=body)
        return JSONResponse(body, status_code=status)

    @app.get("/labels")
    def list_labels() -> JSONResponse:
        return JSONResponse({"labels": store.rows("SELECT * FROM labels ORDER BY created_at, id")})

    app.add_middleware(
        RequestContextMiddleware, log=log, access_log=env.switch("SHIPPING_ACCESS_LOG", False)
    )
    return app

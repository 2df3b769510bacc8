"""Payment provider: `uvicorn --factory sample_shop.payment.app:create_app`.

POST /authorize, /capture, /refund (201; with an Idempotency-Key a replay answers 200 with the
first answer), GET /ledger, GET /healthz. Ledger in the SQLite file PAYMENT_DB; authorizations
above PAYMENT_DECLINE_ABOVE_CENTS (default 5,000,000) are declined (402). Logs one JSON line
per ledger entry; PAYMENT_ACCESS_LOG=on adds one per request.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_shop.common import env
from sample_shop.common.jsonlog import JsonLog
from sample_shop.common.ledger_store import Answer, LedgerStore
from sample_shop.common.middleware import RequestContextMiddleware
from sample_shop.payment import ledger

IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key")]


class AuthorizeRequest(BaseModel):
    amount_cents: int = Field(gt=0)
    currency: str = Field(default="EUR", min_length=3, max_length=3)
    reference: str = Field(min_length=1, max_length=200)


class CaptureRequest(BaseModel):
    authorization_id: str
    amount_cents: int = Field(gt=0)


class RefundRequest(BaseModel):
    charge_id: str


def create_app(db_path: str | None = None, *, decline_above_cents: int | None = None) -> FastAPI:
    store = LedgerStore(db_path or env.text("PAYMENT_DB"), ledger.SCHEMA)
    if decline_above_cents is None:
        decline_above_cents = env.integer("PAYMENT_DECLINE_ABOVE_CENTS", ledger.DECLINE_ABOVE_CENTS)
    limit = decline_above_cents
    log = JsonLog("payment", env.text("PAYMENT_INSTANCE", "payment"))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="payment provider", lifespan=lifespan, openapi_url=None)

    def answer(event: str, result: Answer, key: str | None) -> JSONResponse:
        status, body = result
        if status == 201:
            log.info(event, idempotency_key=key, entry=body)
        return JSONResponse(body, status_code=status)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": "payment"}

    @app.post("/authorize")
    def authorize(req: AuthorizeRequest, key: IdempotencyKey = None) -> JSONResponse:
        result = store.once(
            "authorize",
            key,
            req.model_dump(),
            lambda tx: ledger.authorize(
                tx,
                amount_cents=req.amount_cents,
                currency=req.currency,
                reference=req.reference,
                key=key,
                decline_above_cents=limit,
            ),
        )
        return answer("authorized", result, key)

    @app.post("/capture")
    def capture(req: CaptureRequest, key: IdempotencyKey = None) -> JSONResponse:
        result = store.once(
            "capture",
            key,
            req.model_dump(),
            lambda tx: ledger.capture(
                tx, authorization_id=req.authorization_id, amount_cents=req.amount_cents, key=key
            ),
        )
        return answer("captured", result, key)

    @app.post("/refund")
    def refund(req: RefundRequest, key: IdempotencyKey = None) -> JSONResponse:
        result = store.once(
            "refund",
            key,
            req.model_dump(),
            lambda tx: ledger.refund(tx, charge_id=req.charge_id, key=key),
        )
        return answer("refunded", result, key)

    @app.get("/ledger")
    def get_ledger() -> JSONResponse:
        return JSONResponse({name: store.rows(sql) for name, sql in ledger.LEDGER_QUERIES.items()})

    app.add_middleware(
        RequestContextMiddleware, log=log, access_log=env.switch("PAYMENT_ACCESS_LOG", False)
    )
    return app

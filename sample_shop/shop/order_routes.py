"""Checkout and order endpoints: POST /checkout, GET /orders/{id}, GET /admin/orders."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_shop.shop.checkout import Shop, checkout

MAX_KEY_LENGTH = 200


class CheckoutRequest(BaseModel):
    cart_id: str = Field(min_length=1, max_length=64)
    destination: str = Field(default="DE", pattern=r"^[A-Za-z]{2}$")


def order_router(shop: Shop) -> APIRouter:
    router = APIRouter()

    @router.post("/checkout")
    def post_checkout(
        body: CheckoutRequest,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> JSONResponse:
        if shop.settings.profile.idempotency:
            if not idempotency_key:
                return JSONResponse(
                    {"detail": "an Idempotency-Key header is required"}, status_code=400
                )
            if len(idempotency_key) > MAX_KEY_LENGTH:
                return JSONResponse(
                    {"detail": f"Idempotency-Key is longer than {MAX_KEY_LENGTH} characters"},
                    status_code=400,
                )
        outcome = checkout(
            shop,
            cart_id=body.cart_id,
            key=idempotency_key,
            destination=body.destination.upper(),
        )
        return JSONResponse(outcome.body, status_code=outcome.status, headers=outcome.headers)

    @router.get("/orders/{order_id}")
    def get_order(order_id: str) -> JSONResponse:
        order = shop.repo.order(order_id)
        if order is None:
            return JSONResponse({"detail": f"no order {order_id}"}, status_code=404)
        return JSONResponse(order.to_json())

    @router.get("/admin/orders")
    def all_orders() -> JSONResponse:
        return JSONResponse({"orders": [o.to_json() for o in shop.repo.all_orders()]})

    return router

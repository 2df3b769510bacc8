"""The shop's HTTP API (docs/sample-shop.md), served by uvicorn --factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI, Header, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import SQLAlchemyError

from sample_shop.common.logging import JsonLog, RequestLogMiddleware
from sample_shop.db.engine import make_engine
from sample_shop.shop.breaker import Breaker
from sample_shop.shop.checkout import CheckoutService
from sample_shop.shop.config import Settings
from sample_shop.shop.outbound import Outbound
from sample_shop.shop.providers import PaymentClient, ShippingClient
from sample_shop.shop.repository import Repository
from sample_shop.shop.worker import Worker


class AddItem(BaseModel):
    product_id: int
    quantity: int = Field(ge=1, le=100)


class CheckoutRequest(BaseModel):
    cart_id: str
    destination: str = "DE"


def build_service(
    settings: Settings,
    log: JsonLog,
    payment_http: httpx.Client,
    shipping_http: httpx.Client,
) -> tuple[CheckoutService, Breaker | None]:
    """Wire the checkout service with the resilience patterns the settings switch on."""
    p = settings.patterns
    attempts = settings.retry_attempts if p.retries else 1
    breaker = (
        Breaker(log, fail_max=settings.breaker_fail_max, reset_timeout=settings.breaker_reset)
        if p.breaker
        else None
    )
    payment = PaymentClient(
        Outbound(
            payment_http,
            timeout=settings.payment_timeout if p.timeouts else None,
            attempts=attempts,
        ),
        breaker,
        idempotency=p.idempotency,
    )
    shipping = ShippingClient(
        Outbound(
            shipping_http,
            timeout=settings.shipping_timeout if p.timeouts else None,
            attempts=attempts,
        ),
        idempotency=p.idempotency,
    )
    repo = Repository(make_engine(settings.db_url))
    return CheckoutService(repo, payment, shipping, settings, log), breaker


def create_app(
    settings: Settings | None = None,
    *,
    payment_http: httpx.Client | None = None,
    shipping_http: httpx.Client | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()
    log = JsonLog("shop", settings.instance)
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=32)
    payment_http = payment_http or httpx.Client(base_url=settings.payment_url, limits=limits)
    shipping_http = shipping_http or httpx.Client(base_url=settings.shipping_url, limits=limits)
    service, breaker = build_service(settings, log, payment_http, shipping_http)
    repo = service.repo
    p = settings.patterns
    worker = Worker(service, log, interval=settings.outbox_interval)
    state = {"shutting_down": False}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info("started", profile=p.as_dict())
        worker.start()
        yield
        state["shutting_down"] = True
        worker.stop()
        payment_http.close()
        shipping_http.close()
        log.info("stopped")

    app = FastAPI(title="sample shop", lifespan=lifespan)
    app.state.service = service
    app.state.worker = worker

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "alive", "instance": settings.instance}

    @app.get("/readyz")
    def readyz(response: Response) -> dict[str, Any]:
        if state["shutting_down"]:
            response.status_code = 503
            return {"status": "shutting down"}
        try:
            repo.ping()
        except SQLAlchemyError as e:
            response.status_code = 503
            return {"status": "database unreachable", "error": type(e).__name__}
        return {"status": "ready", "instance": settings.instance}

    _catalog_routes(app, repo)

    @app.post("/checkout")
    def checkout(
        body: CheckoutRequest,
        idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
    ) -> JSONResponse:
        if not idempotency_key:
            raise HTTPException(400, "an Idempotency-Key header is required")
        outcome = service.checkout(body.cart_id, idempotency_key, body.destination)
        return JSONResponse(outcome.body, status_code=outcome.status, headers=outcome.headers)

    @app.get("/orders/{order_id}")
    def get_order(order_id: str) -> dict[str, Any]:
        order = repo.order(order_id)
        if order is None:
            raise HTTPException(404, f"no order {order_id}")
        return order

    @app.get("/admin/orders")
    def all_orders() -> dict[str, Any]:
        return {"orders": repo.all_orders()}

    @app.get("/admin/state")
    def admin_state() -> dict[str, Any]:
        return {
            "instance": settings.instance,
            "profile": p.as_dict(),
            "breaker": breaker.state() if breaker else None,
            "outbox_pending": repo.count_unlabelled(),
        }

    @app.exception_handler(SQLAlchemyError)
    def database_error(_: Any, exc: SQLAlchemyError) -> JSONResponse:
        log.error("database error", error=f"{type(exc).__name__}: {exc}"[:300])
        return JSONResponse(
            {"detail": "database unavailable"}, status_code=503, headers={"Retry-After": "1"}
        )

    app.add_middleware(RequestLogMiddleware, log=log, access_log=settings.access_log)
    return app


def _catalog_routes(app: FastAPI, repo: Repository) -> None:
    @app.get("/products")
    def list_products() -> list[dict[str, Any]]:
        return repo.products()

    @app.get("/products/{product_id}")
    def get_product(product_id: int) -> dict[str, Any]:
        product = repo.product(product_id)
        if product is None:
            raise HTTPException(404, f"no product {product_id}")
        return product

    @app.post("/carts", status_code=201)
    def new_cart() -> dict[str, str]:
        return {"cart_id": repo.new_cart()}

    @app.get("/carts/{cart_id}")
    def get_cart(cart_id: str) -> dict[str, Any]:
        cart = repo.cart(cart_id)
        if cart is None:
            raise HTTPException(404, f"no cart {cart_id}")
        return cart

    @app.post("/carts/{cart_id}/items")
    def add_item(cart_id: str, item: AddItem) -> dict[str, Any]:
        if repo.cart(cart_id) is None:
            raise HTTPException(404, f"no cart {cart_id}")
        product = repo.product(item.product_id)
        if product is None:
            raise HTTPException(404, f"no product {item.product_id}")
        repo.add_item(cart_id, item.product_id, item.quantity, int(product["price_cents"]))
        cart = repo.cart(cart_id)
        assert cart is not None
        return cart

"""The shop service: `uvicorn --factory sample_shop.shop.app:create_app`.

`create_app()` without arguments reads SHOP_* environment variables (sample_shop.shop.config).
Tests pass Settings and the HTTP clients for payment and shipping (any httpx.Client, e.g. a
fastapi TestClient of the provider apps). Startup starts the background worker (outbox and
resolver); shutdown (uvicorn runs it after in-flight requests finished, within
--timeout-graceful-shutdown) makes /readyz answer 503, stops the worker and closes the clients
and the pool.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from sample_shop.common.jsonlog import JsonLog
from sample_shop.common.middleware import RequestContextMiddleware
from sample_shop.db.engine import make_engine
from sample_shop.shop import payment_client, shipping_client
from sample_shop.shop.background import BackgroundWorker, Job
from sample_shop.shop.breaker import Breaker
from sample_shop.shop.catalog_routes import catalog_router
from sample_shop.shop.checkout import Shop
from sample_shop.shop.config import Settings
from sample_shop.shop.ops_routes import ops_router
from sample_shop.shop.order_routes import order_router
from sample_shop.shop.outbox import label_pending
from sample_shop.shop.payment_client import PaymentClient
from sample_shop.shop.readiness import Readiness
from sample_shop.shop.repository import Repository
from sample_shop.shop.resolver import resolve_stale
from sample_shop.shop.shipping_client import ShippingClient

BACKGROUND_STOP_TIMEOUT_S = 5.0


def build_shop(
    settings: Settings, log: JsonLog, payment: httpx.Client, shipping: httpx.Client
) -> Shop:
    """Wire the checkout's pieces with the resilience patterns the settings switch on."""
    p = settings.profile
    breaker = (
        Breaker(log, fail_max=settings.breaker_fail_max, reset_timeout=settings.breaker_reset)
        if p.breaker
        else None
    )
    return Shop(
        repo=Repository(make_engine(settings.db_url)),
        payment=PaymentClient.build(payment, settings, breaker),
        shipping=ShippingClient.build(shipping, settings),
        settings=settings,
        log=log,
        breaker=breaker,
    )


def background_jobs(shop: Shop) -> dict[str, Job]:
    jobs: dict[str, Job] = {}
    if shop.settings.profile.outbox:
        jobs["outbox"] = partial(_outbox_job, shop)
    if shop.settings.profile.idempotency:
        jobs["resolver"] = partial(_resolver_job, shop)
    return jobs


def _outbox_job(shop: Shop, stop: Callable[[], bool]) -> int:
    # the checkout's own label call takes at most twice the shipping timeout
    min_age = 2 * shop.settings.shipping_timeout if shop.settings.profile.timeouts else 0.0
    return label_pending(shop.repo, shop.shipping, shop.log, stop=stop, min_age=min_age)


def _resolver_job(shop: Shop, stop: Callable[[], bool]) -> int:
    return resolve_stale(shop, stop=stop)


def create_app(
    settings: Settings | None = None,
    *,
    payment_http: httpx.Client | None = None,
    shipping_http: httpx.Client | None = None,
) -> FastAPI:
    settings = settings or Settings.from_env()
    log = JsonLog("shop", settings.instance)
    owned: list[httpx.Client] = []  # clients made here are closed here; given ones are not
    if payment_http is None:
        payment_http = payment_client.payment_http(settings)
        owned.append(payment_http)
    if shipping_http is None:
        shipping_http = shipping_client.shipping_http(settings)
        owned.append(shipping_http)
    shop = build_shop(settings, log, payment_http, shipping_http)
    readiness = Readiness(shop.repo.ping)
    worker = BackgroundWorker(log, interval=settings.outbox_interval, jobs=background_jobs(shop))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        log.info(
            "started",
            profile=settings.profile.as_dict(),
            db=settings.db_url.split("://", 1)[0],
            background=sorted(worker.jobs),
        )
        worker.start()
        try:
            yield
        finally:
            readiness.close()  # from here on /readyz answers 503
            stopped = worker.stop(min(BACKGROUND_STOP_TIMEOUT_S, settings.shutdown_grace))
            for client in owned:
                client.close()
            shop.repo.dispose()
            log.info("stopped", background_stopped=stopped)

    app = FastAPI(title="sample shop", lifespan=lifespan)
    app.state.shop = shop
    app.state.worker = worker
    app.state.readiness = readiness
    app.include_router(ops_router(shop, readiness))
    app.include_router(catalog_router(shop.repo))
    app.include_router(order_router(shop))

    @app.exception_handler(SQLAlchemyError)
    def database_error(_: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.error("database error", error=f"{type(exc).__name__}: {exc}"[:300])
        return JSONResponse(
            {"detail": "database unavailable"}, status_code=503, headers={"Retry-After": "1"}
        )

    app.add_middleware(RequestContextMiddleware, log=log, access_log=settings.access_log)
    return app

"""Endpoints for the platform and the harness: /healthz, /readyz, /admin/state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from sample_shop.shop.breaker import DISABLED_SNAPSHOT
from sample_shop.shop.checkout import Shop
from sample_shop.shop.readiness import Readiness


def ops_router(shop: Shop, readiness: Readiness) -> APIRouter:
    router = APIRouter()
    instance = shop.settings.instance

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        # async on purpose: answers while the process runs, even if every worker thread
        # is stuck on a dependency
        return {"status": "alive", "instance": instance}

    @router.get("/readyz")
    def readyz() -> JSONResponse:
        ready, why = readiness.check()
        return JSONResponse(
            {"status": why, "instance": instance}, status_code=200 if ready else 503
        )

    @router.get("/admin/state")
    def admin_state() -> dict[str, Any]:
        pending: int | None
        try:
            pending = shop.repo.count_awaiting_label()
        except SQLAlchemyError:
            pending = None  # the breaker's state is worth answering without the database
        return {
            "instance": instance,
            "profile": shop.settings.profile.as_dict(),
            "breaker": shop.breaker.snapshot() if shop.breaker else dict(DISABLED_SNAPSHOT),
            "outbox_pending": pending,
        }

    return router

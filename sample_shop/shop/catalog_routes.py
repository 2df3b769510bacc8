"""Catalog and cart endpoints: GET /products, GET /products/{id}, carts and their items."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from sample_shop.shop.repository import NotFound, Repository

MAX_QUANTITY = 100


class AddItem(BaseModel):
    product_id: int
    quantity: int = Field(ge=1, le=MAX_QUANTITY)


def _not_found(detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=404)


def catalog_router(repo: Repository) -> APIRouter:
    router = APIRouter()

    @router.get("/products")
    def list_products() -> JSONResponse:
        return JSONResponse(repo.products())

    @router.get("/products/{product_id}")
    def get_product(product_id: int) -> JSONResponse:
        product = repo.product(product_id)
        if product is None:
            return _not_found(f"no product {product_id}")
        return JSONResponse(product)

    @router.post("/carts")
    def create_cart() -> JSONResponse:
        return JSONResponse({"cart_id": repo.create_cart()}, status_code=201)

    @router.get("/carts/{cart_id}")
    def get_cart(cart_id: str) -> JSONResponse:
        cart = repo.cart(cart_id)
        if cart is None:
            return _not_found(f"no cart {cart_id}")
        return JSONResponse(cart.to_json())

    @router.post("/carts/{cart_id}/items")
    def add_item(cart_id: str, item: AddItem) -> JSONResponse:
        try:
            cart = repo.add_to_cart(cart_id, item.product_id, item.quantity)
        except NotFound as e:
            return _not_found(str(e))
        return JSONResponse(cart.to_json())

    return router

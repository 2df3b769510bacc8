"""The shop's SQL: products, carts, orders. Reads autocommit; writes are short transactions."""

from __future__ import annotations

import time
import uuid
from typing import Any

from sqlalchemy import Engine, and_, select, text, update
from sqlalchemy.exc import IntegrityError

from sample_shop.db.engine import writer
from sample_shop.db.schema import cart_items, carts, order_items, orders, products


class OutOfStock(Exception):
    pass


class DuplicateKey(Exception):
    """An order with this idempotency key already exists."""


ORDER_COLUMNS = [
    orders.c.id.label("order_id"),
    orders.c.idempotency_key,
    orders.c.cart_id,
    orders.c.status,
    orders.c.total_cents,
    orders.c.shipping_cents,
    orders.c.payment_authorization_id,
    orders.c.payment_charge_id,
    orders.c.shipping_status,
    orders.c.shipping_label_id,
    orders.c.failure,
    orders.c.created_at,
    orders.c.instance,
]


class Repository:
    def __init__(self, engine: Engine) -> None:
        self.read = engine
        self.write = writer(engine)

    def ping(self) -> None:
        with self.read.connect() as c:
            c.execute(text("SELECT 1"))

    # -------------------------------------------------------------- catalog

    def products(self) -> list[dict[str, Any]]:
        with self.read.connect() as c:
            rows = c.execute(select(products).order_by(products.c.id)).mappings().all()
        return [dict(r) for r in rows]

    def product(self, product_id: int) -> dict[str, Any] | None:
        with self.read.connect() as c:
            row = c.execute(select(products).where(products.c.id == product_id)).mappings().first()
        return dict(row) if row else None

    # -------------------------------------------------------------- carts

    def new_cart(self) -> str:
        cart_id = uuid.uuid4().hex
        with self.write.begin() as c:
            c.execute(carts.insert().values(id=cart_id, created_at=time.time()))
        return cart_id

    def cart(self, cart_id: str) -> dict[str, Any] | None:
        with self.read.connect() as c:
            if c.execute(select(carts.c.id).where(carts.c.id == cart_id)).first() is None:
                return None
            items = (
                c.execute(
                    select(cart_items.c.product_id, cart_items.c.quantity, cart_items.c.price_cents)
                    .where(cart_items.c.cart_id == cart_id)
                    .order_by(cart_items.c.product_id)
                )
                .mappings()
                .all()
            )
        lines = [dict(i) for i in items]
        total = sum(i["quantity"] * i["price_cents"] for i in lines)
        return {"cart_id": cart_id, "items": lines, "total_cents": total}

    def add_item(self, cart_id: str, product_id: int, quantity: int, price_cents: int) -> None:
        with self.write.begin() as c:
            found = c.execute(
                select(cart_items.c.quantity).where(
                    and_(cart_items.c.cart_id == cart_id, cart_items.c.product_id == product_id)
                )
            ).first()
            if found is None:
                c.execute(
                    cart_items.insert().values(
                        cart_id=cart_id,
                        product_id=product_id,
                        quantity=quantity,
                        price_cents=price_cents,
                    )
                )
            else:
                c.execute(
                    update(cart_items)
                    .where(
                        and_(cart_items.c.cart_id == cart_id, cart_items.c.product_id == product_id)
                    )
                    .values(quantity=cart_items.c.quantity + quantity)
                )

    # -------------------------------------------------------------- orders

    def order(self, order_id: str) -> dict[str, Any] | None:
        with self.read.connect() as c:
            row = (
                c.execute(select(*ORDER_COLUMNS).where(orders.c.id == order_id)).mappings().first()
            )
        return dict(row) if row else None

    def order_by_key(self, key: str) -> dict[str, Any] | None:
        with self.read.connect() as c:
            row = (
                c.execute(select(*ORDER_COLUMNS).where(orders.c.idempotency_key == key))
                .mappings()
                .first()
            )
        return dict(row) if row else None

    def all_orders(self) -> list[dict[str, Any]]:
        with self.read.connect() as c:
            rows = c.execute(select(*ORDER_COLUMNS).order_by(orders.c.created_at)).mappings().all()
        return [dict(r) for r in rows]

    def place_pending(
        self,
        *,
        key: str | None,
        cart_id: str,
        items: list[dict[str, Any]],
        total_cents: int,
        shipping_cents: int,
        shipping_status: str,
        instance: str,
    ) -> str:
        """Reserve stock and insert the order as pending, in one transaction."""
        order_id = uuid.uuid4().hex
        now = time.time()
        try:
            with self.write.begin() as c:
                for item in items:
                    done = c.execute(
                        update(products)
                        .where(
                            and_(
                                products.c.id == item["product_id"],
                                products.c.stock >= item["quantity"],
                            )
                        )
                        .values(stock=products.c.stock - item["quantity"])
                    )
                    if done.rowcount != 1:
                        raise OutOfStock(f"product {item['product_id']}")
                c.execute(
                    orders.insert().values(
                        id=order_id,
                        idempotency_key=key,
                        cart_id=cart_id,
                        status="pending",
                        total_cents=total_cents,
                        shipping_cents=shipping_cents,
                        shipping_status=shipping_status,
                        instance=instance,
                        created_at=now,
                        updated_at=now,
                    )
                )
                c.execute(order_items.insert(), [{"order_id": order_id, **i} for i in items])
        except IntegrityError as e:
            raise DuplicateKey(str(key)) from e
        return order_id

    def retry_pending(self, order_id: str, items: list[dict[str, Any]]) -> None:
        """A failed order is tried again under the same key: reserve its stock again."""
        with self.write.begin() as c:
            for item in items:
                done = c.execute(
                    update(products)
                    .where(
                        and_(
                            products.c.id == item["product_id"],
                            products.c.stock >= item["quantity"],
                        )
                    )
                    .values(stock=products.c.stock - item["quantity"])
                )
                if done.rowcount != 1:
                    raise OutOfStock(f"product {item['product_id']}")
            c.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(status="pending", failure=None, updated_at=time.time())
            )

    def order_items(self, order_id: str) -> list[dict[str, Any]]:
        with self.read.connect() as c:
            rows = (
                c.execute(
                    select(
                        order_items.c.product_id, order_items.c.quantity, order_items.c.price_cents
                    ).where(order_items.c.order_id == order_id)
                )
                .mappings()
                .all()
            )
        return [dict(r) for r in rows]

    def set_payment(
        self, order_id: str, *, authorization_id: str | None = None, charge_id: str | None = None
    ) -> None:
        values: dict[str, Any] = {"updated_at": time.time()}
        if authorization_id is not None:
            values["payment_authorization_id"] = authorization_id
        if charge_id is not None:
            values["payment_charge_id"] = charge_id
        with self.write.begin() as c:
            c.execute(update(orders).where(orders.c.id == order_id).values(**values))

    def confirm(self, order_id: str) -> None:
        with self.write.begin() as c:
            c.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(status="confirmed", updated_at=time.time())
            )

    def fail(self, order_id: str, reason: str) -> None:
        """Mark the order failed and release its stock (only once: pending -> failed)."""
        with self.write.begin() as c:
            done = c.execute(
                update(orders)
                .where(and_(orders.c.id == order_id, orders.c.status == "pending"))
                .values(status="failed", failure=reason[:200], updated_at=time.time())
            )
            if done.rowcount != 1:
                return
            items = c.execute(
                select(order_items.c.product_id, order_items.c.quantity).where(
                    order_items.c.order_id == order_id
                )
            ).all()
            for product_id, quantity in items:
                c.execute(
                    update(products)
                    .where(products.c.id == product_id)
                    .values(stock=products.c.stock + quantity)
                )

    def set_label(self, order_id: str, label_id: str) -> None:
        with self.write.begin() as c:
            c.execute(
                update(orders)
                .where(orders.c.id == order_id)
                .values(
                    shipping_status="labelled", shipping_label_id=label_id, updated_at=time.time()
                )
            )

    def unlabelled(self, limit: int = 20) -> list[str]:
        with self.read.connect() as c:
            rows = c.execute(
                select(orders.c.id)
                .where(and_(orders.c.status == "confirmed", orders.c.shipping_status == "pending"))
                .order_by(orders.c.created_at)
                .limit(limit)
            ).all()
        return [r[0] for r in rows]

    def count_unlabelled(self) -> int:
        return len(self.unlabelled(limit=10_000))

"""The shop's SQL (SQLAlchemy Core): products, carts, orders.

Reads run outside transactions; every write is one short transaction through
`writer(engine)` (BEGIN IMMEDIATE on SQLite), retried a few times if SQLite still reports the
database busy after its busy_timeout. No connection is held while the shop waits for payment or
shipping. Order state changes are conditional updates, so concurrent attempts at one order
(a customer's retry, another replica's resolver) cannot undo each other:

    pending --record_authorization--> pending (authorized) --confirm--> confirmed
    pending --fail--> failed (stock released) --reopen--> pending (stock reserved again)
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, and_, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError, OperationalError

from sample_shop.db.engine import is_sqlite_busy, writer
from sample_shop.db.schema import cart_items, carts, order_items, orders, products

T = TypeVar("T")

BUSY_ATTEMPTS = 3  # each attempt already waited up to busy_timeout (5 s)


class OutOfStock(Exception):
    def __init__(self, product_id: int) -> None:
        super().__init__(f"product {product_id} is out of stock")
        self.product_id = product_id


class DuplicateKey(Exception):
    """An order with this idempotency key exists already."""


class NotFound(Exception):
    def __init__(self, what: str, ident: object) -> None:
        super().__init__(f"no {what} {ident}")
        self.what = what


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int
    price_cents: int

    def to_json(self) -> dict[str, int]:
        return {
            "product_id": self.product_id,
            "quantity": self.quantity,
            "price_cents": self.price_cents,
        }


@dataclass(frozen=True)
class Cart:
    cart_id: str
    lines: tuple[Line, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.quantity * line.price_cents for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "cart_id": self.cart_id,
            "items": [line.to_json() for line in self.lines],
            "total_cents": self.total_cents,
        }


@dataclass(frozen=True)
class Order:
    order_id: str
    idempotency_key: str | None
    cart_id: str
    status: str
    total_cents: int
    shipping_cents: int
    payment_authorization_id: str | None
    payment_charge_id: str | None
    shipping_status: str
    shipping_label_id: str | None
    failure: str | None
    instance: str
    created_at: float
    updated_at: float

    def to_json(self) -> dict[str, Any]:
        return {
            "order_id": self.order_id,
            "idempotency_key": self.idempotency_key,
            "cart_id": self.cart_id,
            "status": self.status,
            "total_cents": self.total_cents,
            "shipping_cents": self.shipping_cents,
            "payment_authorization_id": self.payment_authorization_id,
            "payment_charge_id": self.payment_charge_id,
            "shipping_status": self.shipping_status,
            "shipping_label_id": self.shipping_label_id,
            "failure": self.failure,
            "created_at": self.created_at,
            "instance": self.instance,
        }


_ORDER_COLUMNS = (
    orders.c.id,
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
    orders.c.instance,
    orders.c.created_at,
    orders.c.updated_at,
)
_PRODUCT_COLUMNS = (
    products.c.id,
    products.c.sku,
    products.c.name,
    products.c.price_cents,
    products.c.stock,
)
_PRODUCT_KEYS = ("id", "sku", "name", "price_cents", "stock")


def _order(row: Sequence[Any]) -> Order:
    return Order(*row)


def _product(row: Sequence[Any]) -> dict[str, Any]:
    return dict(zip(_PRODUCT_KEYS, row, strict=True))


class Repository:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._writer = writer(engine)
        dialect = sqlite if engine.dialect.name == "sqlite" else postgresql
        self._upsert = dialect.insert

    # ------------------------------------------------------------------ plumbing

    def _write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one write transaction; SQLite busy -> try again (short backoff)."""
        for attempt in range(1, BUSY_ATTEMPTS + 1):
            try:
                with self._writer.begin() as conn:
                    return work(conn)
            except OperationalError as e:
                if attempt == BUSY_ATTEMPTS or not is_sqlite_busy(e):
                    raise
                time.sleep(0.02 * attempt + random.uniform(0, 0.02))
        raise AssertionError("unreachable")

    def ping(self) -> None:
        with self.engine.connect() as c:
            c.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ catalog

    def products(self) -> list[dict[str, Any]]:
        with self.engine.connect() as c:
            rows = c.execute(select(*_PRODUCT_COLUMNS).order_by(products.c.id)).all()
        return [_product(r) for r in rows]

    def product(self, product_id: int) -> dict[str, Any] | None:
        with self.engine.connect() as c:
            row = c.execute(select(*_PRODUCT_COLUMNS).where(products.c.id == product_id)).first()
        return _product(row) if row is not None else None

    def stock(self, product_id: int) -> int | None:
        with self.engine.connect() as c:
            value = c.execute(select(products.c.stock).where(products.c.id == product_id)).scalar()
        return None if value is None else int(value)

    # ------------------------------------------------------------------ carts

    def create_cart(self) -> str:
        cart_id = uuid.uuid4().hex
        now = time.time()
        self._write(lambda c: c.execute(carts.insert().values(id=cart_id, created_at=now)))
        return cart_id

    def cart(self, cart_id: str) -> Cart | None:
        with self.engine.connect() as c:
            rows = c.execute(
                select(
                    carts.c.id,
                    cart_items.c.product_id,
                    cart_items.c.quantity,
                    cart_items.c.price_cents,
                )
                .select_from(carts.outerjoin(cart_items, cart_items.c.cart_id == carts.c.id))
                .where(carts.c.id == cart_id)
                .order_by(cart_items.c.product_id)
            ).all()
        if not rows:
            return None
        lines = tuple(Line(r[1], r[2], r[3]) for r in rows if r[1] is not None)
        return Cart(cart_id, lines)

    def add_to_cart(self, cart_id: str, product_id: int, quantity: int) -> Cart:
        """Add `quantity` of a product (at today's price); raises NotFound (cart or product)."""
        with self.engine.connect() as c:
            cart_found = c.execute(select(carts.c.id).where(carts.c.id == cart_id)).first()
            price = c.execute(
                select(products.c.price_cents).where(products.c.id == product_id)
            ).scalar()
        if cart_found is None:
            raise NotFound("cart", cart_id)
        if price is None:
            raise NotFound("product", product_id)
        stmt = self._upsert(cart_items).values(
            cart_id=cart_id, product_id=product_id, quantity=quantity, price_cents=price
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[cart_items.c.cart_id, cart_items.c.product_id],
            set_={"quantity": cart_items.c.quantity + stmt.excluded.quantity},
        )
        self._write(lambda c: c.execute(stmt))
        cart = self.cart(cart_id)
        if cart is None:
            raise NotFound("cart", cart_id)
        return cart

    # ------------------------------------------------------------------ orders: reads

    def order(self, order_id: str) -> Order | None:
        with self.engine.connect() as c:
            row = c.execute(select(*_ORDER_COLUMNS).where(orders.c.id == order_id)).first()
        return _order(row) if row is not None else None

    def order_by_key(self, key: str) -> Order | None:
        with self.engine.connect() as c:
            row = c.execute(select(*_ORDER_COLUMNS).where(orders.c.idempotency_key == key)).first()
        return _order(row) if row is not None else None

    def all_orders(self) -> list[Order]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(*_ORDER_COLUMNS).order_by(orders.c.created_at, orders.c.id)
            ).all()
        return [_order(r) for r in rows]

    def awaiting_label(self, limit: int = 50, *, updated_before: float | None = None) -> list[str]:
        """Confirmed orders whose label is still pending, oldest first (the outbox); with
        `updated_before`, only those untouched since then."""
        cond = and_(orders.c.status == "confirmed", orders.c.shipping_status == "pending")
        if updated_before is not None:
            cond = and_(cond, orders.c.updated_at < updated_before)
        with self.engine.connect() as c:
            ids = c.execute(
                select(orders.c.id).where(cond).order_by(orders.c.created_at).limit(limit)
            ).scalars()
            return list(ids)

    def count_awaiting_label(self) -> int:
        with self.engine.connect() as c:
            return int(
                c.execute(
                    select(func.count())
                    .select_from(orders)
                    .where(
                        and_(orders.c.status == "confirmed", orders.c.shipping_status == "pending")
                    )
                ).scalar_one()
            )

    def stale_pending(self, updated_before: float, limit: int = 20) -> list[Order]:
        """Pending orders nobody has touched since `updated_before` (the resolver)."""
        with self.engine.connect() as c:
            rows = c.execute(
                select(*_ORDER_COLUMNS)
                .where(and_(orders.c.status == "pending", orders.c.updated_at < updated_before))
                .order_by(orders.c.updated_at)
                .limit(limit)
            ).all()
        return [_order(r) for r in rows]

    # ------------------------------------------------------------------ orders: writes

    def place_order(
        self,
        *,
        key: str | None,
        cart: Cart,
        shipping_cents: int,
        instance: str,
    ) -> Order:
        """Reserve the stock and insert the order as pending, in one transaction.

        Raises OutOfStock (nothing reserved) or DuplicateKey (an order has this key)."""
        order_id = uuid.uuid4().hex
        now = time.time()
        lines = sorted(cart.lines, key=lambda line: line.product_id)  # one lock order
        order = Order(
            order_id=order_id,
            idempotency_key=key,
            cart_id=cart.cart_id,
            status="pending",
            total_cents=cart.total_cents + shipping_cents,
            shipping_cents=shipping_cents,
            payment_authorization_id=None,
            payment_charge_id=None,
            shipping_status="pending",
            shipping_label_id=None,
            failure=None,
            instance=instance,
            created_at=now,
            updated_at=now,
        )

        def work(c: Connection) -> None:
            _reserve(c, [(line.product_id, line.quantity) for line in lines])
            c.execute(
                orders.insert().values(
                    id=order_id,
                    idempotency_key=key,
                    cart_id=cart.cart_id,
                    status="pending",
                    total_cents=order.total_cents,
                    shipping_cents=shipping_cents,
                    shipping_status="pending",
                    instance=instance,
                    created_at=now,
                    updated_at=now,
                )
            )
            c.execute(
                order_items.insert(),
                [
                    {
                        "order_id": order_id,
                        "product_id": line.product_id,
                        "quantity": line.quantity,
                        "price_cents": line.price_cents,
                    }
                    for line in lines
                ],
            )

        try:
            self._write(work)
        except IntegrityError as e:
            if key is not None and self.order_by_key(key) is not None:
                raise DuplicateKey(key) from e
            raise
        return order

    def reopen_order(self, order_id: str) -> bool:
        """failed -> pending, reserving its stock again (OutOfStock: it stays failed)."""

        def work(c: Connection) -> bool:
            done = c.execute(
                update(orders)
                .where(and_(orders.c.id == order_id, orders.c.status == "failed"))
                .values(status="pending", failure=None, updated_at=time.time())
            )
            if done.rowcount != 1:
                return False
            _reserve(c, _items(c, order_id))
            return True

        return self._write(work)

    def record_authorization(self, order_id: str, authorization_id: str) -> bool:
        """Note the authorization before capturing (False: the order is no longer pending).

        From here on the order is never failed for being unable to reach payment: a capture
        may have happened, so it stays pending until a capture settles it."""
        return self._update_pending(order_id, payment_authorization_id=authorization_id)

    def confirm_order(self, order_id: str, charge_id: str, *, label_id: str | None = None) -> bool:
        """pending -> confirmed with its charge (and its label, if it has one already)."""
        values: dict[str, Any] = {"status": "confirmed", "payment_charge_id": charge_id}
        if label_id is not None:
            values |= {"shipping_status": "labelled", "shipping_label_id": label_id}
        return self._update_pending(order_id, **values)

    def fail_order(self, order_id: str, reason: str, *, unless_authorized: bool) -> bool:
        """pending -> failed, releasing its stock. With unless_authorized, an order that has
        an authorization (a capture may have happened) stays pending."""

        def work(c: Connection) -> bool:
            cond = and_(orders.c.id == order_id, orders.c.status == "pending")
            if unless_authorized:
                cond = and_(cond, orders.c.payment_authorization_id.is_(None))
            done = c.execute(
                update(orders)
                .where(cond)
                .values(status="failed", failure=reason[:300], updated_at=time.time())
            )
            if done.rowcount != 1:
                return False
            for product_id, quantity in _items(c, order_id):
                c.execute(
                    update(products)
                    .where(products.c.id == product_id)
                    .values(stock=products.c.stock + quantity)
                )
            return True

        return self._write(work)

    def set_label(self, order_id: str, label_id: str) -> bool:
        def work(c: Connection) -> bool:
            done = c.execute(
                update(orders)
                .where(and_(orders.c.id == order_id, orders.c.shipping_status == "pending"))
                .values(
                    shipping_status="labelled", shipping_label_id=label_id, updated_at=time.time()
                )
            )
            return done.rowcount == 1

        return self._write(work)

    def claim_stale(self, order_id: str, updated_before: float) -> bool:
        """Take a stale pending order for one resolver pass (other replicas skip it)."""

        def work(c: Connection) -> bool:
            done = c.execute(
                update(orders)
                .where(
                    and_(
                        orders.c.id == order_id,
                        orders.c.status == "pending",
                        orders.c.updated_at < updated_before,
                    )
                )
                .values(updated_at=time.time())
            )
            return done.rowcount == 1

        return self._write(work)

    def _update_pending(self, order_id: str, **values: Any) -> bool:
        def work(c: Connection) -> bool:
            done = c.execute(
                update(orders)
                .where(and_(orders.c.id == order_id, orders.c.status == "pending"))
                .values(updated_at=time.time(), **values)
            )
            return done.rowcount == 1

        return self._write(work)


def _items(c: Connection, order_id: str) -> list[tuple[int, int]]:
    rows = c.execute(
        select(order_items.c.product_id, order_items.c.quantity)
        .where(order_items.c.order_id == order_id)
        .order_by(order_items.c.product_id)
    ).all()
    return [(int(r[0]), int(r[1])) for r in rows]


def _reserve(c: Connection, items: Sequence[tuple[int, int]]) -> None:
    """Take the quantities from stock, never below zero (OutOfStock rolls the lot back)."""
    for product_id, quantity in items:
        done = c.execute(
            update(products)
            .where(and_(products.c.id == product_id, products.c.stock >= quantity))
            .values(stock=products.c.stock - quantity)
        )
        if done.rowcount != 1:
            raise OutOfStock(product_id)

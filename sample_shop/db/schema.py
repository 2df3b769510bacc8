"""The shop's tables (SQLAlchemy Core): the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)

metadata = MetaData()

products = Table(
    "products",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("sku", String(32), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("price_cents", Integer, nullable=False),
    Column("stock", BigInteger, nullable=False),
    CheckConstraint("stock >= 0", name="stock_not_negative"),
)

carts = Table(
    "carts",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("created_at", Float, nullable=False),
)

cart_items = Table(
    "cart_items",
    metadata,
    Column("cart_id", String(36), ForeignKey("carts.id"), primary_key=True),
    Column("product_id", Integer, ForeignKey("products.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("price_cents", Integer, nullable=False),
    CheckConstraint("quantity > 0", name="cart_quantity_positive"),
)

ORDER_STATUSES = ("pending", "confirmed", "failed")
SHIPPING_STATUSES = ("pending", "labelled")

orders = Table(
    "orders",
    metadata,
    Column("id", String(36), primary_key=True),
    # NULL when the shop runs with SHOP_IDEMPOTENCY=off (several NULLs are allowed)
    Column("idempotency_key", String(200), unique=True, nullable=True),
    Column("cart_id", String(36), nullable=False),
    Column("status", String(16), nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("shipping_cents", Integer, nullable=False),
    Column("payment_authorization_id", String(64)),
    Column("payment_charge_id", String(64)),
    Column("shipping_status", String(16), nullable=False),
    Column("shipping_label_id", String(64)),
    Column("failure", String(300)),
    Column("instance", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    CheckConstraint("status IN ('pending', 'confirmed', 'failed')", name="order_status"),
    CheckConstraint("shipping_status IN ('pending', 'labelled')", name="order_shipping_status"),
)
Index("orders_by_state", orders.c.status, orders.c.shipping_status)
Index("orders_by_status_age", orders.c.status, orders.c.updated_at)
Index("orders_by_created", orders.c.created_at)

order_items = Table(
    "order_items",
    metadata,
    Column("order_id", String(36), ForeignKey("orders.id"), primary_key=True),
    Column("product_id", Integer, ForeignKey("products.id"), primary_key=True),
    Column("quantity", Integer, nullable=False),
    Column("price_cents", Integer, nullable=False),
)

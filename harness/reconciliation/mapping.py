"""Rows of a stack's own tables -> the orders, charges and stock reconciliation compares.

Field names come from the stack file (`order_fields`, `charge_fields`, `stock_fields`). A
missing column or a value that does not convert is an InputError located at the stack file's
key (`reconciliation.order_fields.status: …`), never a KeyError in the middle of a run. Times
may be epoch seconds, datetimes (naive ones are UTC) or ISO 8601 strings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from harness.errors import InputError, Problem
from harness.measure.reconcile import Charge, Order
from harness.stack.model import ChargeFields, OrderFields, StockFields

Row = dict[str, Any]
T = TypeVar("T")

REQUIRED = {
    "order_fields": ("id", "status"),
    "charge_fields": ("id", "order", "status"),
    "stock_fields": ("product", "level"),
}
OPTIONAL = {
    "order_fields": ("key", "group", "shipping", "created_at", "updated_at"),
    "charge_fields": ("created_at",),
    "stock_fields": (),
}
TIMES = {"created_at", "updated_at"}


def column_problems(
    section: str, fields: BaseModel, columns: list[str], source: str
) -> tuple[list[Problem], list[str]]:
    """(problems, notes): a required or explicitly named column that is missing is a problem;
    an optional one left at its default name and missing only a note (that check is skipped)."""
    problems, notes = [], []
    have = ", ".join(columns) or "none"
    for name in (*REQUIRED[section], *OPTIONAL[section]):
        column = getattr(fields, name)
        if column is None or column in columns:
            continue
        text = f"column '{column}' is not in the rows of reconciliation.{source} (columns: {have})"
        if name in REQUIRED[section] or name in fields.model_fields_set:
            problems.append(
                Problem(f"reconciliation.{section}.{name}", text, hint="name one of the columns")
            )
        else:
            notes.append(
                f"reconciliation.{section}.{name}: {text}; that check is skipped "
                f"(set it to one of the columns, or to null)"
            )
    return problems, notes


def to_orders(rows: list[Row], f: OrderFields) -> list[Order]:
    def one(r: Row) -> Order:
        status = _get(r, f.status, "order_fields.status")
        return Order(
            order_id=str(_get(r, f.id, "order_fields.id")),
            key=_opt(r, f.key),
            group=_opt(r, f.group),
            status=(
                "confirmed"
                if status in f.confirmed
                else "pending"
                if status in f.pending
                else str(status)
            ),
            shipping_pending=bool(f.shipping and r.get(f.shipping) in f.shipping_pending),
            created_at=_time(r, f.created_at, "order_fields.created_at"),
            updated_at=_time(r, f.updated_at, "order_fields.updated_at"),
        )

    return _each(rows, one)


def to_charges(rows: list[Row], f: ChargeFields) -> list[Charge]:
    def one(r: Row) -> Charge:
        return Charge(
            charge_id=str(_get(r, f.id, "charge_fields.id")),
            order_id=_str_or_none(_get(r, f.order, "charge_fields.order")),
            captured=_get(r, f.status, "charge_fields.status") in f.captured,
            created_at=_time(r, f.created_at, "charge_fields.created_at"),
        )

    return _each(rows, one)


def to_stock(rows: list[Row], f: StockFields) -> list[tuple[str, int]]:
    def one(r: Row) -> tuple[str, int]:
        level = _get(r, f.level, "stock_fields.level")
        try:
            return str(_get(r, f.product, "stock_fields.product")), int(level)
        except (TypeError, ValueError) as e:
            raise _Bad("stock_fields.level", f"value {level!r} is not a whole number") from e

    return _each(rows, one)


class _Bad(Exception):
    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


def _each(rows: list[Row], one: Callable[[Row], T]) -> list[T]:
    out = []
    for i, r in enumerate(rows):
        try:
            out.append(one(r))
        except _Bad as e:
            raise InputError(
                None,
                [Problem(f"reconciliation.{e.key}", f"row {i + 1}: {e.message}")],
                hint="the mapping is checked against the live stack by "
                "`shopchaos validate --stack FILE` while it is up",
            ) from e
    return out


def _get(r: Row, column: str, key: str) -> Any:
    if column not in r:
        _missing(r, column, key)
    return r[column]


def _missing(r: Row, column: str, key: str) -> Any:
    raise _Bad(key, f"column '{column}' is not in the row (columns: {', '.join(r) or 'none'})")


def _opt(r: Row, column: str | None) -> str | None:
    return _str_or_none(r.get(column) if column else None)


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _time(r: Row, column: str | None, key: str) -> float | None:
    value = r.get(column) if column else None
    if value is None:
        return None
    try:
        return to_epoch(value)
    except (TypeError, ValueError) as e:
        raise _Bad(key, f"value {value!r} ({type(value).__name__}) is not a time: {e}") from e


def to_epoch(value: object) -> float:
    """Epoch seconds from a number, a datetime (naive: UTC), a date, or an ISO 8601 string."""
    if isinstance(value, bool):
        raise TypeError("a boolean")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    raise TypeError(f"cannot read {type(value).__name__} as a time")

"""Read orders, charges and stock from a stack's own sources (HTTP endpoints or SQL), map them
with the stack's field names, wait (bounded) for in-flight orders to settle, and reconcile them
with the client-side ledger."""

from __future__ import annotations

import time
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from harness.errors import StackError
from harness.load.wire import LedgerEntry
from harness.measure.reconcile import Charge, Order, Reconciliation, reconcile, settled
from harness.platforms.base import Endpoints, Progress, no_progress
from harness.stack.model import (
    ChargeFields,
    OrderFields,
    ReconciliationSpec,
    Source,
    StackSpec,
)


def read_rows(source: Source, spec: StackSpec, endpoints: Endpoints) -> list[dict[str, Any]]:
    if source.http is not None:
        h = source.http
        base = (
            endpoints.entry_url
            if h.service == spec.load_balancer.backend
            else endpoints.service_urls.get(h.service)
        )
        if base is None:
            raise StackError(f"reconciliation: no service '{h.service}' to read {h.path} from")
        try:
            r = requests.get(base + h.path, timeout=10)
            r.raise_for_status()
            data = r.json()
        except (requests.RequestException, ValueError) as e:
            raise StackError(f"reconciliation: reading {base}{h.path} failed: {e}") from e
        rows = data[h.items] if h.items else data
        return [dict(row) for row in rows]
    assert source.sql is not None
    url = endpoints.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(text(source.sql))]
    except SQLAlchemyError as e:
        raise StackError(f"reconciliation: query failed: {e}") from e
    finally:
        engine.dispose()


def to_orders(rows: list[dict[str, Any]], f: OrderFields) -> list[Order]:
    return [
        Order(
            order_id=str(r[f.id]),
            key=_opt(r, f.key),
            group=_opt(r, f.group),
            status=(
                "confirmed"
                if r[f.status] in f.confirmed
                else "pending"
                if r[f.status] in f.pending
                else str(r[f.status])
            ),
            shipping_pending=bool(f.shipping and r.get(f.shipping) in f.shipping_pending),
            created_at=_float(r, f.created_at),
            updated_at=_float(r, f.updated_at),
        )
        for r in rows
    ]


def to_charges(rows: list[dict[str, Any]], f: ChargeFields) -> list[Charge]:
    return [
        Charge(
            charge_id=str(r[f.id]),
            order_id=_opt(r, f.order),
            captured=r[f.status] in f.captured,
            created_at=_float(r, f.created_at),
        )
        for r in rows
    ]


def _opt(row: dict[str, Any], key: str | None) -> str | None:
    value = row.get(key) if key else None
    return None if value is None else str(value)


def _float(row: dict[str, Any], key: str | None) -> float | None:
    value = row.get(key) if key else None
    return None if value is None else float(value)


def reconcile_trial(
    spec: StackSpec,
    endpoints: Endpoints,
    ledger: list[LedgerEntry],
    *,
    since: float,
    progress: Progress = no_progress,
) -> tuple[Reconciliation, bool, float]:
    """(result, settled, seconds waited). Waits up to `settle` for pending orders and labels."""
    rec: ReconciliationSpec | None = spec.reconciliation
    if rec is None:
        raise StackError("the stack description has no `reconciliation:` section")
    started = time.monotonic()
    told = False
    while True:
        orders = to_orders(read_rows(rec.orders, spec, endpoints), rec.order_fields)
        mine = [o for o in orders if o.created_at is None or o.created_at >= since]
        done = settled(mine)
        waited = time.monotonic() - started
        if done or waited >= rec.settle:
            break
        if not told:
            progress(f"reconciliation: waiting up to {rec.settle:g}s for in-flight orders")
            told = True
        time.sleep(0.5)
    charges = to_charges(read_rows(rec.charges, spec, endpoints), rec.charge_fields)
    stock = []
    if rec.stock is not None:
        sf = rec.stock_fields
        stock = [
            (str(r[sf.product]), int(r[sf.level])) for r in read_rows(rec.stock, spec, endpoints)
        ]
    result = reconcile(
        ledger, orders, charges, stock, now=time.time(), stuck_after=rec.stuck_after, since=since
    )
    return result, done, waited

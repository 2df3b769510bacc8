"""Read orders, charges and stock from a stack's own sources (HTTP endpoints or SQL), map them
with the stack's field names (mapping.py), wait (bounded) for in-flight orders to settle, and
reconcile them with the client-side ledger."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from harness.errors import StackError
from harness.httpcall.network import local_session
from harness.load.wire import LedgerEntry
from harness.measure.reconcile import Reconciliation, reconcile, settled
from harness.platforms.base import Endpoints, Progress, no_progress
from harness.reconciliation.mapping import to_charges, to_orders, to_stock
from harness.reconciliation.settle import in_flight
from harness.stack.model import ReconciliationSpec, Source, StackSpec


@dataclass(frozen=True)
class Table:
    rows: list[dict[str, Any]]
    columns: list[str] | None  # None: not known (an HTTP source that returned no rows)


def read_table(source: Source, spec: StackSpec, endpoints: Endpoints) -> Table:
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
            with local_session() as session:
                r = session.get(base + h.path, timeout=10)
            r.raise_for_status()
            data = r.json()
            rows = [dict(row) for row in (data[h.items] if h.items else data)]
        except (requests.RequestException, ValueError, KeyError, TypeError) as e:
            raise StackError(f"reconciliation: reading {base}{h.path} failed: {e!r}") from e
        return Table(rows, list(rows[0]) if rows else None)
    if source.sql is None:  # the model allows exactly one of http and sql
        raise StackError("reconciliation: a source has neither `http` nor `sql`")
    url = endpoints.database_url
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            result = conn.execute(text(source.sql))
            columns = list(result.keys())
            return Table([dict(row._mapping) for row in result], columns)
    except SQLAlchemyError as e:
        raise StackError(f"reconciliation: query failed: {e}") from e
    finally:
        engine.dispose()


def read_rows(source: Source, spec: StackSpec, endpoints: Endpoints) -> list[dict[str, Any]]:
    return read_table(source, spec, endpoints).rows


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
    charges = (
        to_charges(read_rows(rec.charges, spec, endpoints), rec.charge_fields)
        if rec.charges is not None
        else []
    )
    stock = (
        to_stock(read_rows(rec.stock, spec, endpoints), rec.stock_fields)
        if rec.stock is not None
        else []
    )
    result = reconcile(
        ledger,
        orders,
        charges,
        stock,
        now=time.time(),
        stuck_after=rec.stuck_after,
        since=since,
        in_flight=in_flight(orders, ledger, rec.in_flight),
    )
    return result, done, waited

"""Check a stack's reconciliation mapping against the live stack (`up`, `validate`): every
source readable, every named column there, every value of the first rows convertible. Problems
are located at the stack file's keys, so a wrong mapping is found before a run, not in one."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel

from harness.errors import HarnessError, InputError, Problem
from harness.platforms.base import Endpoints
from harness.reconciliation import mapping
from harness.reconciliation.sources import read_table
from harness.stack.model import StackSpec

SAMPLE_ROWS = 50


@dataclass
class MappingCheck:
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_mapping(spec: StackSpec, endpoints: Endpoints) -> MappingCheck:
    out = MappingCheck()
    rec = spec.reconciliation
    if rec is None:
        return out
    parts: list[tuple[str, str, BaseModel]] = [("orders", "order_fields", rec.order_fields)]
    if rec.charges is not None:
        parts.append(("charges", "charge_fields", rec.charge_fields))
    if rec.stock is not None:
        parts.append(("stock", "stock_fields", rec.stock_fields))
    for source_key, section, fields in parts:
        source = getattr(rec, source_key)
        try:
            table = read_table(source, spec, endpoints)
        except HarnessError as e:
            out.problems.append(Problem(f"reconciliation.{source_key}", e.message))
            continue
        if table.columns is None:
            out.notes.append(f"reconciliation.{source_key}: no rows yet; columns not checked")
            continue
        problems, notes = mapping.column_problems(section, fields, table.columns, source_key)
        out.problems += problems
        out.notes += notes
        if problems:
            continue
        rows = table.rows[:SAMPLE_ROWS]
        try:
            if section == "order_fields":
                mapping.to_orders(rows, rec.order_fields)
            elif section == "charge_fields":
                mapping.to_charges(rows, rec.charge_fields)
            else:
                mapping.to_stock(rows, rec.stock_fields)
        except InputError as e:
            out.problems += e.problems
    return out

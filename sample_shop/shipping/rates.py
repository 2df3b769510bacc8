"""Shipping quotes: deterministic (the same items and destination always cost the same)."""

from __future__ import annotations

import hashlib
import json

DOMESTIC = frozenset({"DE", "AT", "NL", "FR", "BE", "LU", "DK"})
DOMESTIC_BASE_CENTS = 499
ABROAD_BASE_CENTS = 1299
PER_ITEM_CENTS = 50


def quote_cents(quantities: list[tuple[int, int]], destination: str) -> int:
    """A base rate by destination plus a little per item; `quantities` is (product_id, qty)."""
    base = DOMESTIC_BASE_CENTS if destination.upper() in DOMESTIC else ABROAD_BASE_CENTS
    return base + PER_ITEM_CENTS * sum(q for _, q in quantities)


def quote_id(quantities: list[tuple[int, int]], destination: str) -> str:
    canonical = json.dumps([sorted(quantities), destination.upper()])
    return "q_" + hashlib.sha256(canonical.encode()).hexdigest()[:16]

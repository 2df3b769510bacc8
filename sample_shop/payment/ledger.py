"""The payment provider's rules over its ledger (authorizations, charges, refunds).

Deterministic: an authorization above DECLINE_ABOVE_CENTS (or PAYMENT_DECLINE_ABOVE_CENTS)
is declined (402), everything else
goes through. A capture needs a known authorization, at most its amount, and is refused if
the authorization was already captured (409 already_captured): only a replay with the same
Idempotency-Key gets the first answer again. Every entry keeps the caller's reference (the
shop's order id), the idempotency key it came with and its time.
"""

from __future__ import annotations

import time
import uuid

from sample_shop.common.ledger_store import Answer, Tx

DECLINE_ABOVE_CENTS = 5_000_000

SCHEMA = """
CREATE TABLE IF NOT EXISTS authorizations (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    idempotency_key TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS charges (
    id TEXT PRIMARY KEY,
    authorization_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    idempotency_key TEXT,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS charges_by_authorization ON charges (authorization_id);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY,
    charge_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    idempotency_key TEXT,
    created_at REAL NOT NULL
);
"""


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def authorize(
    tx: Tx,
    *,
    amount_cents: int,
    currency: str,
    reference: str,
    key: str | None,
    decline_above_cents: int = DECLINE_ABOVE_CENTS,
) -> Answer:
    if amount_cents > decline_above_cents:
        return 402, {"error": "card_declined", "reference": reference}
    auth_id = _id("auth")
    tx.execute(
        "INSERT INTO authorizations (id, reference, amount_cents, currency, idempotency_key,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (auth_id, reference, amount_cents, currency, key, time.time()),
    )
    return 201, {
        "authorization_id": auth_id,
        "status": "authorized",
        "amount_cents": amount_cents,
        "currency": currency,
        "reference": reference,
    }


def capture(tx: Tx, *, authorization_id: str, amount_cents: int, key: str | None) -> Answer:
    auth = tx.one("SELECT * FROM authorizations WHERE id = ?", (authorization_id,))
    if auth is None:
        return 404, {"error": "unknown_authorization", "authorization_id": authorization_id}
    if amount_cents > auth["amount_cents"]:
        return 422, {"error": "amount_exceeds_authorization", "authorization_id": authorization_id}
    earlier = tx.one(
        "SELECT id FROM charges WHERE authorization_id = ? LIMIT 1", (authorization_id,)
    )
    if earlier is not None:
        return 409, {"error": "already_captured", "charge_id": earlier["id"]}
    charge_id = _id("ch")
    tx.execute(
        "INSERT INTO charges (id, authorization_id, reference, amount_cents, currency, status,"
        " idempotency_key, created_at) VALUES (?, ?, ?, ?, ?, 'captured', ?, ?)",
        (
            charge_id,
            authorization_id,
            auth["reference"],
            amount_cents,
            auth["currency"],
            key,
            time.time(),
        ),
    )
    return 201, {
        "charge_id": charge_id,
        "status": "captured",
        "authorization_id": authorization_id,
        "amount_cents": amount_cents,
        "reference": auth["reference"],
    }


def refund(tx: Tx, *, charge_id: str, key: str | None) -> Answer:
    charge = tx.one("SELECT * FROM charges WHERE id = ?", (charge_id,))
    if charge is None:
        return 404, {"error": "unknown_charge", "charge_id": charge_id}
    if charge["status"] == "refunded":
        return 409, {"error": "already_refunded", "charge_id": charge_id}
    refund_id = _id("re")
    tx.execute(
        "INSERT INTO refunds (id, charge_id, reference, amount_cents, idempotency_key,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (refund_id, charge_id, charge["reference"], charge["amount_cents"], key, time.time()),
    )
    tx.execute("UPDATE charges SET status = 'refunded' WHERE id = ?", (charge_id,))
    return 201, {
        "refund_id": refund_id,
        "charge_id": charge_id,
        "status": "refunded",
        "amount_cents": charge["amount_cents"],
        "reference": charge["reference"],
    }


LEDGER_QUERIES: dict[str, str] = {
    "authorizations": "SELECT * FROM authorizations ORDER BY created_at, id",
    "charges": "SELECT * FROM charges ORDER BY created_at, id",
    "refunds": "SELECT * FROM refunds ORDER BY created_at, id",
}

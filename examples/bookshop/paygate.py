"""PayGate: the Bookshop's payment provider (a tiny stand-in for a real gateway), under gunicorn.

Charges are idempotent on the Idempotency-Key header and kept in its own table, paygate_charge.
"""

from __future__ import annotations

import os
import uuid
from typing import Any

import psycopg
from flask import Flask, jsonify, request

DATABASE_URL = os.environ["PAYGATE_DATABASE_URL"]
app = Flask(__name__)
_conn: psycopg.Connection[Any] | None = None


def db() -> psycopg.Connection[Any]:
    global _conn  # noqa: PLW0603 - one connection per worker process
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=3)
    return _conn


@app.get("/ping")
def ping() -> Any:
    return jsonify(pong=True)


@app.post("/v1/payments")
def pay() -> Any:
    body = request.get_json(silent=True) or {}
    key = request.headers.get("Idempotency-Key") or uuid.uuid4().hex
    row = (
        db()
        .execute(
            "INSERT INTO paygate_charge (charge_no, idem_key, merchant_ref, amount_cents, outcome) "
            "VALUES (%s, %s, %s, %s, 'SETTLED') ON CONFLICT (idem_key) DO UPDATE "
            "SET idem_key = EXCLUDED.idem_key RETURNING charge_no",
            (
                "ch_" + uuid.uuid4().hex[:12],
                key,
                body.get("merchant_ref"),
                body.get("amount_cents"),
            ),
        )
        .fetchone()
    )
    return jsonify(charge=row[0] if row else None, outcome="SETTLED"), 201

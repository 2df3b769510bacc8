"""The Bookshop storefront: a Flask app under gunicorn (2 workers per replica).

A shop of the kind a team has, written without shopchaos in mind: its own table and column
names, an allowed-hosts check on every request (400 without a known Host header, health check
included), a slow search page, and a payment gateway called over HTTP (PAYGATE_URL).
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

import psycopg
import requests
from flask import Flask, abort, jsonify, request

ALLOWED_HOSTS = {h.strip() for h in os.environ.get("ALLOWED_HOSTS", "bookshop.local").split(",")}
DATABASE_URL = os.environ["BOOKSHOP_DATABASE_URL"]
PAYGATE_URL = os.environ["PAYGATE_URL"]
PAYGATE_TIMEOUT = float(os.environ.get("PAYGATE_TIMEOUT", "2.0"))
SEARCH_DELAY = float(os.environ.get("SEARCH_DELAY", "2.5"))  # the slow page, in seconds

app = Flask(__name__)
_conn: psycopg.Connection[Any] | None = None  # one per worker process (sync workers)


def db() -> psycopg.Connection[Any]:
    global _conn  # noqa: PLW0603 - one connection per worker process
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(DATABASE_URL, autocommit=True, connect_timeout=3)
    return _conn


@app.before_request
def allowed_host() -> None:
    host = (request.headers.get("Host") or "").rsplit(":", 1)[0]
    if host not in ALLOWED_HOSTS:
        abort(400, description=f"Invalid HTTP_HOST header: {host!r}")


@app.errorhandler(psycopg.OperationalError)
def database_down(e: Exception) -> tuple[Any, int]:
    global _conn  # noqa: PLW0603
    _conn = None
    return jsonify(error="database unavailable"), 503


@app.get("/health/")
def health() -> Any:
    db().execute("SELECT 1")
    return jsonify(status="ok", pid=os.getpid())


@app.get("/books")
def books() -> Any:
    rows = (
        db().execute("SELECT isbn, title, price_cents FROM catalogue_book ORDER BY isbn").fetchall()
    )
    return jsonify([{"isbn": r[0], "title": r[1], "price_cents": r[2]} for r in rows])


@app.get("/search")
def search() -> Any:
    time.sleep(SEARCH_DELAY)  # a full-text search the team never got round to indexing
    q = f"%{request.args.get('q', '')}%"
    rows = db().execute("SELECT isbn FROM catalogue_book WHERE title ILIKE %s", (q,)).fetchall()
    return jsonify([r[0] for r in rows])


@app.post("/basket")
def new_basket() -> Any:
    ref = uuid.uuid4().hex[:16]
    isbn = (request.get_json(silent=True) or {}).get("isbn", "9780000000001")
    db().execute("INSERT INTO basket_line (basket_ref, isbn, qty) VALUES (%s, %s, 1)", (ref, isbn))
    return jsonify(basket=ref), 201


@app.post("/checkout")
def checkout() -> Any:
    body = request.get_json(silent=True) or {}
    basket, token = body.get("basket"), request.headers.get("X-Checkout-Token")
    if not basket or not token:
        return jsonify(error="basket and X-Checkout-Token needed"), 400
    conn = db()
    total = conn.execute(
        "SELECT coalesce(sum(b.price_cents * l.qty), 0) FROM basket_line l "
        "JOIN catalogue_book b USING (isbn) WHERE l.basket_ref = %s",
        (basket,),
    ).fetchone()
    row = conn.execute(
        "INSERT INTO shop_order (ref, basket_ref, pay_token, state, total_cents) "
        "VALUES (%s, %s, %s, 'AWAITING', %s) ON CONFLICT (pay_token) DO UPDATE SET "
        "pay_token = EXCLUDED.pay_token RETURNING ref, state",
        (uuid.uuid4().hex[:12], basket, token, total[0] if total else 0),
    ).fetchone()
    if row is None:  # RETURNING always yields the row; a driver surprise is a 500
        abort(500)
    ref, state = row
    if state == "PAID":
        return jsonify(order=ref, state=state), 201
    try:
        r = requests.post(
            f"{PAYGATE_URL}/v1/payments",
            json={"merchant_ref": ref, "amount_cents": total[0] if total else 0},
            headers={"Idempotency-Key": token},
            timeout=PAYGATE_TIMEOUT,
        )
        ok = r.status_code in (200, 201)
    except requests.RequestException:
        ok = False
    if not ok:
        conn.execute("UPDATE shop_order SET state = 'DECLINED' WHERE ref = %s", (ref,))
        return jsonify(error="payment failed", order=ref), 502
    conn.execute("UPDATE shop_order SET state = 'PAID', paid_at = now() WHERE ref = %s", (ref,))
    return jsonify(order=ref, state="PAID"), 201


@app.get("/orders/<ref>")
def order(ref: str) -> Any:
    row = db().execute("SELECT ref, state FROM shop_order WHERE ref = %s", (ref,)).fetchone()
    if row is None:
        abort(404)
    return jsonify(order=row[0], state=row[1])

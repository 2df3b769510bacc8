"""The payment provider: ledger, idempotency keys, the already_captured rule."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sample_shop.payment.app import create_app


@pytest.fixture
def payment(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(tmp_path / "payment.db"))) as client:
        yield client


def authorize(payment: TestClient, key: str | None = None, amount: int = 1000) -> str:
    headers = {"Idempotency-Key": key} if key else {}
    r = payment.post(
        "/authorize", json={"amount_cents": amount, "reference": "order-1"}, headers=headers
    )
    assert r.status_code in (200, 201), r.text
    return str(r.json()["authorization_id"])


def test_authorize_and_capture_write_the_ledger(payment: TestClient) -> None:
    auth = authorize(payment, "k:auth")
    r = payment.post(
        "/capture",
        json={"authorization_id": auth, "amount_cents": 1000},
        headers={"Idempotency-Key": "k:capture", "X-Request-ID": "rid"},
    )
    assert r.status_code == 201
    assert r.json()["status"] == "captured" and r.json()["reference"] == "order-1"
    assert r.headers["x-request-id"] == "rid"
    ledger = payment.get("/ledger").json()
    (a,) = ledger["authorizations"]
    (c,) = ledger["charges"]
    assert (a["id"], a["reference"], a["idempotency_key"]) == (auth, "order-1", "k:auth")
    assert (c["authorization_id"], c["reference"], c["idempotency_key"]) == (
        auth,
        "order-1",
        "k:capture",
    )
    assert c["created_at"] > 0 and ledger["refunds"] == []


def test_a_replayed_key_answers_200_with_the_first_answer(payment: TestClient) -> None:
    body = {"amount_cents": 500, "reference": "order-2"}
    first = payment.post("/authorize", json=body, headers={"Idempotency-Key": "a"})
    again = payment.post("/authorize", json=body, headers={"Idempotency-Key": "a"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert len(payment.get("/ledger").json()["authorizations"]) == 1


def test_without_a_key_every_call_is_new(payment: TestClient) -> None:
    assert authorize(payment) != authorize(payment)
    assert len(payment.get("/ledger").json()["authorizations"]) == 2


def test_second_capture_without_a_key_is_already_captured(payment: TestClient) -> None:
    auth = authorize(payment)
    body = {"authorization_id": auth, "amount_cents": 1000}
    assert payment.post("/capture", json=body).status_code == 201
    second = payment.post("/capture", json=body)
    assert second.status_code == 409
    assert second.json()["error"] == "already_captured"
    with_other_key = payment.post("/capture", json=body, headers={"Idempotency-Key": "new"})
    assert with_other_key.status_code == 409
    assert len(payment.get("/ledger").json()["charges"]) == 1


def test_second_capture_with_the_same_key_is_a_replay(payment: TestClient) -> None:
    auth = authorize(payment)
    body = {"authorization_id": auth, "amount_cents": 1000}
    first = payment.post("/capture", json=body, headers={"Idempotency-Key": "c"})
    again = payment.post("/capture", json=body, headers={"Idempotency-Key": "c"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()


def test_a_key_reused_for_a_different_request_is_refused(payment: TestClient) -> None:
    payment.post(
        "/authorize", json={"amount_cents": 1, "reference": "x"}, headers={"Idempotency-Key": "k"}
    )
    r = payment.post(
        "/authorize", json={"amount_cents": 2, "reference": "x"}, headers={"Idempotency-Key": "k"}
    )
    assert r.status_code == 422 and r.json()["error"] == "idempotency_key_reused"


def test_capture_checks(payment: TestClient) -> None:
    assert (
        payment.post("/capture", json={"authorization_id": "nope", "amount_cents": 1}).status_code
        == 404
    )
    auth = authorize(payment, amount=100)
    r = payment.post("/capture", json={"authorization_id": auth, "amount_cents": 101})
    assert r.status_code == 422


def test_large_amounts_are_declined(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "p.db"), decline_above_cents=100)) as payment:
        r = payment.post("/authorize", json={"amount_cents": 101, "reference": "x"})
        assert r.status_code == 402 and r.json()["error"] == "card_declined"
        assert payment.get("/ledger").json()["authorizations"] == []


def test_refund(payment: TestClient) -> None:
    auth = authorize(payment)
    charge = payment.post("/capture", json={"authorization_id": auth, "amount_cents": 1000})
    charge_id = charge.json()["charge_id"]
    assert payment.post("/refund", json={"charge_id": charge_id}).status_code == 201
    assert payment.post("/refund", json={"charge_id": charge_id}).status_code == 409
    ledger = payment.get("/ledger").json()
    assert ledger["charges"][0]["status"] == "refunded"
    assert ledger["refunds"][0]["reference"] == "order-1"


def test_concurrent_captures_with_one_key_make_one_charge(payment: TestClient) -> None:
    auth = authorize(payment)
    body = {"authorization_id": auth, "amount_cents": 1000}
    answers: list[tuple[int, str]] = []
    lock = threading.Lock()

    def capture() -> None:
        r = payment.post("/capture", json=body, headers={"Idempotency-Key": "same"})
        with lock:
            answers.append((r.status_code, r.json()["charge_id"]))

    threads = [threading.Thread(target=capture) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert sorted(s for s, _ in answers) == [200] * 7 + [201]
    assert len({c for _, c in answers}) == 1
    assert len(payment.get("/ledger").json()["charges"]) == 1


def test_payment_db_is_required(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYMENT_DB", raising=False)
    with pytest.raises(ValueError, match="PAYMENT_DB"):
        create_app()

"""The shipping provider: deterministic quotes, labels idempotent by key."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sample_shop.shipping.app import create_app


@pytest.fixture
def shipping(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(create_app(str(tmp_path / "shipping.db"))) as client:
        yield client


def test_quotes_are_deterministic(shipping: TestClient) -> None:
    body = {"items": [{"product_id": 1, "quantity": 2}, {"product_id": 3, "quantity": 1}]}
    first = shipping.post("/quote", json=body).json()
    assert first == shipping.post("/quote", json=body).json()
    assert first["amount_cents"] == 499 + 3 * 50
    abroad = shipping.post("/quote", json={**body, "destination": "US"}).json()
    assert abroad["amount_cents"] == 1299 + 3 * 50


def test_labels_are_idempotent_by_key(shipping: TestClient) -> None:
    headers = {"Idempotency-Key": "o1:label"}
    first = shipping.post("/labels", json={"order_id": "o1"}, headers=headers)
    again = shipping.post("/labels", json={"order_id": "o1"}, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.json()["tracking"].startswith("TRK")
    other = shipping.post("/labels", json={"order_id": "o1"})  # no key: a new label
    assert other.status_code == 201 and other.json()["label_id"] != first.json()["label_id"]
    labels = shipping.get("/labels").json()["labels"]
    assert [lbl["idempotency_key"] for lbl in labels] == ["o1:label", None]

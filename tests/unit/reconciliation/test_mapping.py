import datetime as dt

import pytest

from harness.errors import InputError
from harness.reconciliation.mapping import column_problems, to_charges, to_epoch, to_orders
from harness.stack.model import ChargeFields, OrderFields

FIELDS = OrderFields(
    id="ref",
    key="token",
    group="basket",
    status="state",
    confirmed=["paid"],
    pending=["new"],
    shipping=None,
    created_at="placed",
    updated_at=None,
)


def test_a_teams_columns_and_datetimes_map() -> None:
    placed = dt.datetime(2026, 1, 2, 3, 4, 5)  # naive: UTC
    (order,) = to_orders(
        [{"ref": 7, "token": "k", "basket": "b", "state": "paid", "placed": placed}], FIELDS
    )
    assert order.order_id == "7" and order.status == "confirmed" and order.key == "k"
    assert order.created_at == dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(12.5, 12.5), ("12.5", 12.5), ("1970-01-01T00:01:00Z", 60.0), (dt.date(1970, 1, 2), 86400.0)],
)
def test_times_accepted(value: object, expected: float) -> None:
    assert to_epoch(value) == expected


def test_a_missing_column_is_located_not_a_key_error() -> None:
    with pytest.raises(InputError) as exc:
        to_orders([{"ref": 1, "status": "paid"}], FIELDS)
    (problem,) = exc.value.problems
    assert problem.path == "reconciliation.order_fields.status"
    assert "column 'state'" in problem.message and "ref, status" in problem.message


def test_a_value_that_is_not_a_time_is_located() -> None:
    with pytest.raises(InputError) as exc:
        to_charges(
            [{"id": 1, "reference": 2, "status": "captured", "created_at": "soon"}], ChargeFields()
        )
    assert exc.value.problems[0].path == "reconciliation.charge_fields.created_at"
    assert "row 1" in exc.value.problems[0].message


def test_column_problems_name_explicit_fields_and_note_defaults() -> None:
    problems, _ = column_problems("order_fields", FIELDS, ["ref", "state", "placed"], "orders")
    assert {p.path for p in problems} == {
        "reconciliation.order_fields.key",
        "reconciliation.order_fields.group",
    }
    defaults, default_notes = column_problems(
        "order_fields", OrderFields(), ["order_id", "status"], "orders"
    )
    assert defaults == [] and any("idempotency_key" in n for n in default_notes)

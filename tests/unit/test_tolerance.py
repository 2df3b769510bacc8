"""Tolerances as the Chaos Toolkit has them: exact, range, regex, jsonpath."""

import pytest
from pydantic import ValidationError

from harness.tolerance import ValueCheck


@pytest.mark.parametrize(
    ("check", "value", "ok"),
    [
        ({"exact": 3}, 3, True),
        ({"exact": 3}, 4, False),
        ({"exact": None}, None, True),
        ({"exact": None}, 0, False),
        ({"range": [1, 5]}, 5, True),
        ({"range": [1, 5]}, 5.5, False),
        ({"range": [1, 5]}, "3", False),
        ({"range": [0, 1]}, True, False),  # a boolean is not a number here
        ({"regex": "^ok"}, "ok then", True),
        ({"regex": "^ok"}, "not ok", False),
        ({"jsonpath": "$.items[*].qty"}, {"items": [{"qty": 1}]}, True),
        ({"jsonpath": "$.missing"}, {"items": []}, False),
        (
            {"jsonpath": "$.items[*].qty", "range": [1, 2]},
            {"items": [{"qty": 1}, {"qty": 3}]},
            False,
        ),
        ({"jsonpath": "$.status", "exact": "confirmed"}, {"status": "confirmed"}, True),
        (
            {"jsonpath": "$.items[?(@.qty > 1)].id", "exact": 7},
            {"items": [{"id": 7, "qty": 2}]},
            True,
        ),
    ],
)
def test_checks(check: dict, value: object, ok: bool) -> None:
    assert (ValueCheck.model_validate(check).failure(value) is None) is ok


def test_failure_says_why() -> None:
    why = ValueCheck(jsonpath="$.n", range=(0, 10)).failure({"n": 12})
    assert why == "$.n: 12 is outside [0, 10]"


@pytest.mark.parametrize(
    ("check", "message"),
    [
        ({"regex": "(("}, "not a regular expression"),
        ({"jsonpath": "$[[["}, "not a JSONPath"),
        ({"range": [5, 1]}, "low <= high"),
        ({}, "give `exact`"),
    ],
)
def test_bad_tolerances_are_refused(check: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("`", ".")):
        ValueCheck.model_validate(check)

"""Journey templates: values carried from step to step, strictly."""

import pytest

from harness.probing.templates import (
    TemplateProblem,
    check_template,
    render,
    render_value,
    step_references,
)

CTX = {"steps": {"cart": {"json": {"cart_id": "c-1", "qty": 2}}}, "sample": {"uid": "u"}}


def test_a_whole_expression_keeps_its_type() -> None:
    assert render("{{ steps.cart.json.qty }}", CTX) == 2
    assert render("/carts/{{ steps.cart.json.cart_id }}/items", CTX) == "/carts/c-1/items"
    body = render_value(
        {"cart_id": "{{ steps.cart.json.cart_id }}", "n": [1, "{{ sample.uid }}"]}, CTX
    )
    assert body == {"cart_id": "c-1", "n": [1, "u"]}


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(TemplateProblem, match=r"missing|undefined"):
        render("/carts/{{ steps.cart.json.missing }}", CTX)
    with pytest.raises(TemplateProblem):
        render("{{ steps.nope.json.x }}", CTX)


def test_the_sandbox_refuses_calls_that_reach_outside() -> None:
    with pytest.raises(TemplateProblem):
        render("{{ steps.__class__.__mro__ }}", CTX)


def test_parse_errors_and_references_are_found_at_load_time() -> None:
    with pytest.raises(TemplateProblem, match="does not parse"):
        check_template("{{ steps.cart.json.cart_id ")
    assert step_references("{{ steps.cart.json.id }}-{{ steps.add.status }}") == {"cart", "add"}
    assert step_references("no template") == set()

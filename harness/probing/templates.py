"""Templates in journey steps: `{{ steps.cart.json.cart_id }}`, `{{ sample.uid }}`.

Jinja2's immutable sandbox with strict undefined: a template reads values, calls nothing
unsafe, and a missing value is an error that fails the sample (never an empty string sent).
A value that is the whole string keeps its type (`{{ steps.cart.json.qty }}` stays a number
in a JSON body).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

_ENV = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False)
_WHOLE = re.compile(r"^\{\{\s*([^{}]+?)\s*\}\}$")
_REF = re.compile(r"\bsteps\.([A-Za-z_][A-Za-z0-9_]*)")


class TemplateProblem(ValueError):
    """A template that does not parse, or a value it reads that is not there."""


def check_template(text: str) -> None:
    """Load time: the template parses."""
    if "{{" not in text and "{%" not in text:
        return
    try:
        _ENV.parse(text)
    except TemplateError as e:
        raise TemplateProblem(f"template {text!r} does not parse: {e}") from e


def step_references(text: str) -> set[str]:
    """The step ids a template reads (`steps.<id>`)."""
    return set(_REF.findall(text)) if "{{" in text else set()


@lru_cache(maxsize=512)
def _compiled(text: str) -> Any:
    return _ENV.from_string(text)


@lru_cache(maxsize=512)
def _expression(text: str) -> Any:
    return _ENV.compile_expression(text, undefined_to_none=False)


def render(text: str, context: dict[str, Any]) -> Any:
    """Render one string. A string that is one `{{ expression }}` gives the value itself."""
    if "{{" not in text and "{%" not in text:
        return text
    try:
        whole = _WHOLE.match(text)
        if whole is not None and not isinstance(_ENV.parse(text).body[0], nodes.TemplateData):
            value = _expression(whole.group(1))(**context)
            _ = str(value)  # a StrictUndefined raises here
            return value
        return _compiled(text).render(**context)
    except TemplateError as e:
        raise TemplateProblem(f"{text!r}: {e.message or e}") from e


def render_value(value: Any, context: dict[str, Any]) -> Any:
    """Render every string inside a JSON-like value."""
    if isinstance(value, str):
        return render(value, context)
    if isinstance(value, dict):
        return {k: render_value(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [render_value(v, context) for v in value]
    return value


def render_text(text: str, context: dict[str, Any]) -> str:
    out = render(text, context)
    return out if isinstance(out, str) else str(out)

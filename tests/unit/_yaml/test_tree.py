"""Building data from YAML: bounded in time and memory whatever the input, duplicate keys and
odd values refused with their lines, aliases and merge keys as in YAML."""

import time
import tracemalloc

import pytest

from harness import _yaml
from harness._yaml.tree import MAX_DEPTH, MAX_NODES
from harness.errors import InputError


def billion_laughs() -> str:
    """Nine levels of nine aliases: 10^9 strings when expanded (>120 s and >4.5 GB before)."""
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for prev, cur in zip("abcdefgh", "bcdefghi", strict=True):
        text += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    return text + "name: *i\n"


def error(text: str) -> InputError:
    with pytest.raises(InputError) as exc:
        _yaml.parse(text, "f.yaml")
    return exc.value


def test_a_billion_laughs_stops_at_the_bound_in_bounded_time_and_memory() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    try:
        exc = error(billion_laughs())
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    (problem,) = exc.problems
    assert f"more than {MAX_NODES:,} values" in problem.message
    assert "alias" in problem.message and "billion laughs" in (problem.hint or "")
    assert problem.line is not None and 4 <= problem.line <= 6
    assert elapsed < 1.0, elapsed
    assert peak < 20 * 1024 * 1024, peak


def test_aliases_anchors_and_merge_keys_work_within_the_bound() -> None:
    doc = _yaml.parse(
        "base: &b {users: 8, spawn_rate: 4}\n"
        "load:\n"
        "  <<: *b\n"
        "  users: 16\n"
        "tags: &t [smoke]\n"
        "more: *t\n",
        "f.yaml",
    )
    assert doc.data["load"] == {"users": 16, "spawn_rate": 4}
    assert doc.data["more"] == ["smoke"]
    assert doc.lines[("load", "spawn_rate")] == 3  # the merge key's line
    assert doc.lines[("load", "users")] == 4
    assert not doc.problems


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a: &a [1, *a]\n", "inside the value it names"),
        ("a: *nowhere\n", "comes before any &nowhere"),
        ("a: 1\n---\nb: 2\n", "a second YAML document"),
    ],
)
def test_alias_and_document_errors_are_located(text: str, says: str) -> None:
    (problem,) = error(text).problems
    assert says in problem.message
    assert problem.line is not None


@pytest.mark.parametrize("opening", ["[", "{", "- "])
def test_deep_nesting_is_a_located_error(opening: str) -> None:
    text = (
        opening * 20_000
        if opening != "- "
        else "".join("  " * i + "- \n" for i in range(MAX_DEPTH + 5))
    )
    started = time.perf_counter()
    (problem,) = error(text).problems
    assert time.perf_counter() - started < 1.0
    assert "nest" in problem.message
    assert problem.line is not None


def test_too_many_values_even_without_aliases() -> None:
    (problem,) = error("[" + "1, " * (MAX_NODES + 1) + "]").problems
    assert f"more than {MAX_NODES:,} values" in problem.message


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    doc = _yaml.parse("a: 1\nb:\n  c: 2\n  c: 3\na: 4\n", "f.yaml")
    found = {p.path: p for _, p in doc.problems}
    assert found["a"].message == "the key 'a' is given twice (lines 1 and 5)"
    assert found["a"].line == 5
    assert found["b.c"].message == "the key 'c' is given twice (lines 3 and 4)"
    assert doc.data == {"a": 1, "b": {"c": 2}}  # the first is kept, and refused with the rest


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (".inf", "not a finite number"),
        ("-.inf", "not a finite number"),
        (".nan", "not a finite number"),
        ("9" * 5000, "more than 40 digits"),  # int() raises past 4,300 digits
        ("!!python/object/apply:os.system [id]", "the tag !!python/object/apply:os.system"),
        ("!custom x", "the tag !custom"),
        ("!!binary aGk=", "the tag !!binary"),
        ("!!int abc", "not a valid !!int value"),
        ("!!bool maybe", "not a valid !!bool value"),
        ("!!set {a, b}", "the tag !!set"),
    ],
)
def test_values_no_schema_wants_are_refused_at_their_line(value: str, says: str) -> None:
    doc = _yaml.parse(f"name: x\nfield: {value}\n", "f.yaml")
    ((loc, problem),) = doc.problems
    assert loc == ("field",)
    assert problem.line == 2
    assert says in problem.message


def test_a_key_must_be_a_plain_value() -> None:
    doc = _yaml.parse("? [a, b]\n: 1\nok: 2\n", "f.yaml")
    ((_, problem),) = doc.problems
    assert "a key must be a plain value" in problem.message
    assert doc.data == {"ok": 2}


def test_plain_values_keep_their_yaml_meaning_but_dates_stay_text() -> None:
    doc = _yaml.parse("a: 0x1F\nb: yes\nc: ~\nd: 1.5\ne: 2024-01-31\nf: '12'\n", "f.yaml")
    assert doc.data == {"a": 31, "b": True, "c": None, "d": 1.5, "e": "2024-01-31", "f": "12"}


def test_syntax_errors_are_located() -> None:
    (problem,) = error("name: x\nfaults: [\n").problems
    assert problem.line is not None
    assert problem.message.startswith("not valid YAML")

"""pydantic's errors as located problems: short, with the form to write and the valid choices."""

from pathlib import Path

import pytest

from harness import _yaml
from harness._yaml.locs import render_loc, shorten
from harness.errors import InputError, Problem
from harness.faults.registry import fault_types
from harness.scenario.loader import load_file


def problems(tmp_path: Path, text: str) -> dict[str, Problem]:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    with pytest.raises(InputError) as exc:
        load_file(p)
    return {q.path: q for q in exc.value.problems}


def test_a_fault_type_written_as_a_key_names_the_types_and_shows_the_form(tmp_path: Path) -> None:
    found = problems(
        tmp_path, "name: x\nfaults:\n  - kill: {target: {group: shop}, duration: 3s}\n"
    )
    problem = found["faults[0]"]
    assert problem.line == 3
    assert problem.message == "'kill' is written as a key; the type goes in `type: kill`"
    hint = problem.hint or ""
    assert "- type: kill\n          target: …\n          duration: …" in hint
    assert all(name in hint for name in fault_types())


def test_a_missing_or_unknown_type_names_the_valid_ones(tmp_path: Path) -> None:
    found = problems(tmp_path, "name: x\nfaults:\n  - {target: {group: shop}}\n  - type: kil\n")
    missing, unknown = found["faults[0]"], found["faults[1]"]
    assert missing.message == "`type:` is missing: it says which kind this is"
    assert unknown.message == "unknown type 'kil' (did you mean 'kill'?)"
    for p in (missing, unknown):
        assert "types: " in (p.hint or "") and "latency" in (p.hint or "")


def test_a_bare_type_name_shows_the_form(tmp_path: Path) -> None:
    found = problems(tmp_path, "name: x\nfaults: [kill]\n")
    assert "- type: kill" in (found["faults[0]"].hint or "")


def test_a_duplicate_type_does_not_turn_one_fault_into_another(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "name: x\nfaults:\n  - type: kill\n    target: {group: shop}\n    type: down\n",
    )
    assert list(found) == ["faults[0].type"]  # and no schema noise from the second `type`
    assert found["faults[0].type"].message == "the key 'type' is given twice (lines 3 and 5)"


def test_long_values_are_cut_in_messages(tmp_path: Path) -> None:
    name = "N" * 80_000
    found = problems(tmp_path, f"name: {name}\nfaults: [{{type: {name}}}]\n? {name}\n: 1\n")
    assert len(found) == 3
    text = "\n".join(str(p) for p in found.values()) + "\n".join(found)
    assert len(text) < 3000
    assert "(80000 characters)" in text


def test_every_message_is_short_whatever_the_input(tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("name: x\n" + "".join(f"k{i}: 1\n" for i in range(500)))
    with pytest.raises(InputError) as exc:
        load_file(p)
    assert len(exc.value.problems) == _yaml.MAX_LISTED + 1
    assert exc.value.problems[-1].message == "… and 450 more problems"


def test_wrong_shapes_say_what_was_expected(tmp_path: Path) -> None:
    found = problems(tmp_path, "name: x\nload: 12\ntags: smoke\n")
    assert found["load"].message == "expected a mapping (key: value), not the number '12'"
    assert found["tags"].message == "expected a list (- item), not the text 'smoke'"


def test_locs_render_odd_keys_quoted_and_shorten_escapes_newlines() -> None:
    assert render_loc(("faults", 1, "duration")) == "faults[1].duration"
    assert render_loc(("services", "../x", "port")) == 'services["../x"].port'
    assert shorten("a\nstats admin if TRUE") == "a\\nstats admin if TRUE"
    assert shorten("x" * 100, 10) == "xxxxxxxxx… (100 characters)"

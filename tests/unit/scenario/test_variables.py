"""--var / --var-file: substituted before validation, typed when whole, located when unknown."""

from pathlib import Path

import pytest

from harness.errors import InputError
from harness.scenario.loader import load_file
from harness.scenario.variables import parse_vars

SCENARIO = """name: v
load: {users: "${USERS}", think_time: "${LOW:-20ms}..50ms"}
faults:
  - {type: exec, apply: ["${PY}", "-c", "print('$${HOME}')"], target: "on ${ENV}"}
"""


def test_values_are_substituted_with_their_types(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    sc = load_file(path, variables={"USERS": 32, "PY": "python3", "ENV": "staging"}).scenario
    assert sc.load.users == 32
    assert sc.load.think_time is not None and sc.load.think_time.min == 0.02
    assert sc.faults[0].apply == ["python3", "-c", "print('${HOME}')"]  # type: ignore[attr-defined]
    assert sc.faults[0].target == "on staging"  # type: ignore[attr-defined]


def test_an_unknown_variable_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO)
    with pytest.raises(InputError) as e:
        load_file(path, variables={"USERS": 4})
    found = [(p.line, p.path, p.message) for p in e.value.problems]
    assert (4, "faults[0].apply[0]", "unknown variable ${PY}") in found
    assert (4, "faults[0].target", "unknown variable ${ENV}") in found
    assert "known: USERS" in (e.value.problems[0].hint or "")


def test_var_files_then_vars(tmp_path: Path) -> None:
    f = tmp_path / "staging.yaml"
    f.write_text("USERS: 8\nENV: staging\n")
    assert parse_vars(["USERS=16", "FLAG=true", "NAME=a=b"], [f]) == {
        "USERS": 16,
        "ENV": "staging",
        "FLAG": True,
        "NAME": "a=b",
    }
    with pytest.raises(InputError, match="write KEY=VALUE"):
        parse_vars(["nope"], [])
    bad = tmp_path / "bad.yaml"
    bad.write_text("- a\n")
    with pytest.raises(InputError, match="a var-file is a mapping"):
        parse_vars([], [bad])

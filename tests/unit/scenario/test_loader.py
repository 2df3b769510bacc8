"""Scenario files: strict schema, every problem located with file, line, path and hint."""

from pathlib import Path

import pytest

from harness.errors import InputError
from harness.scenario.loader import load_file, load_many, suite
from harness.stack.loader import load_stack

GOOD = """\
name: kill-one
description: a replica dies
tags: [smoke]
load: {users: 8, spawn_rate: 8, think_time: 20ms..50ms}
phases: {warmup: 1s, baseline: 2s, observe: 2s}
faults:
  - type: kill
    target: {group: shop, count: 1}
    duration: 3s
  - type: latency
    dependency: payment
    latency: 2s
    jitter: 100ms
    at: 1s
    duration: 500ms
expect:
  max_time_to_recover: 1s
abort:
  - {metric: p95, above: 800ms, for: 2s}
"""


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_a_good_file_loads_with_durations_in_seconds(tmp_path: Path) -> None:
    spec, _ = load_stack()
    sc = load_file(write(tmp_path, GOOD), spec).scenario
    assert sc.fault_ids() == ["kill", "latency"]
    assert sc.faults[1].duration == 0.5
    assert sc.load.think_time is not None and sc.load.think_time.max == 0.05
    assert sc.abort[0].above == 0.8
    assert sc.fault_span() == 3.0
    assert sc.total_seconds() == 1 + 2 + 3 + 2


def test_every_problem_is_reported_at_once_with_line_and_path(tmp_path: Path) -> None:
    bad = GOOD.replace("    duration: 3s", "    duration: -3s\n    restrt: true").replace(
        "    latency: 2s", "    latency: soon"
    )
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, bad))
    problems = {p.path: p for p in exc.value.problems}
    assert set(problems) == {"faults[0].duration", "faults[0].restrt", "faults[1].latency"}
    assert problems["faults[0].duration"].line == 9
    assert problems["faults[0].restrt"].line == 10
    assert problems["faults[0].restrt"].hint == "did you mean 'restart'?"
    assert problems["faults[1].latency"].line == 13
    assert "500ms" in problems["faults[1].latency"].message
    text = str(exc.value)
    assert f"{tmp_path / 's.yaml'}:10: faults[0].restrt: unknown key" in text


def test_unknown_fault_type_names_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, GOOD.replace("type: kill", "type: kil")))
    (problem,) = exc.value.problems
    assert problem.path == "faults[0]"
    assert problem.line == 7
    assert "kill" in problem.message


def test_unknown_top_level_key_and_missing_name(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, GOOD.replace("name: kill-one\n", "").replace("tags:", "tag:")))
    paths = {p.path: p for p in exc.value.problems}
    assert paths["name"].message == "required key is missing"
    assert paths["tag"].hint == "did you mean 'tags'?"
    assert paths["tag"].line == 2


def test_checks_against_the_stack(tmp_path: Path) -> None:
    spec, _ = load_stack()
    text = GOOD.replace("dependency: payment", "dependency: database").replace(
        "{group: shop, count: 1}", "{instance: shop-7}"
    )
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, text), spec)
    problems = {p.path: p for p in exc.value.problems}
    assert "db: postgres" in (problems["faults[1].dependency"].hint or "")
    assert "shop-3" in (problems["faults[0].target.instance"].hint or "")


def test_yaml_syntax_error_is_located(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, "name: x\nfaults: [\n"))
    assert exc.value.problems[0].line is not None


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file is empty"):
        load_file(write(tmp_path, ""))


def test_duplicate_fault_ids(tmp_path: Path) -> None:
    text = GOOD.replace("  - type: latency", "  - type: latency\n    id: kill")
    with pytest.raises(InputError, match="used twice"):
        load_file(write(tmp_path, text))


def test_load_many_reports_all_files_and_duplicate_names(tmp_path: Path) -> None:
    a = write(tmp_path, GOOD, "a.yaml")
    b = write(tmp_path, GOOD, "b.yaml")
    with pytest.raises(InputError, match="used by more than one file"):
        load_many([a, b])
    c = write(tmp_path, "name: x\nbogus: 1\n", "c.yaml")
    d = write(tmp_path, "name: y\nrepeat: 0\n", "d.yaml")
    with pytest.raises(InputError) as exc:
        load_many([c, d])
    text = str(exc.value)
    assert "c.yaml:2" in text and "d.yaml:2" in text


def test_suite_selects_by_tag_and_says_which_tags_exist(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD.replace("kill-one", "other").replace("[smoke]", "[nightly]"), "b.yaml")
    assert [s.scenario.name for s in suite(tmp_path, "smoke")] == ["kill-one"]
    assert len(suite(tmp_path, "all")) == 2
    with pytest.raises(InputError) as exc:
        suite(tmp_path, "weekly")
    assert "nightly, smoke" in (exc.value.problems[0].hint or "")


def test_the_scenario_library_is_valid() -> None:
    spec, _ = load_stack()
    library = Path(__file__).resolve().parents[3] / "scenarios"
    loaded = load_many(sorted(library.glob("*.yaml")), spec)
    assert loaded


def test_load_workers_default_to_one_process_and_are_bounded(tmp_path: Path) -> None:
    spec, _ = load_stack()
    assert load_file(write(tmp_path, GOOD), spec).scenario.load.workers == 1
    two = GOOD.replace("load: {users: 8,", "load: {workers: 2, users: 8,")
    assert load_file(write(tmp_path, two, "two.yaml"), spec).scenario.load.workers == 2
    for bad in ("0", "65", "two"):
        text = GOOD.replace("load: {users: 8,", f"load: {{workers: {bad}, users: 8,")
        with pytest.raises(InputError) as exc:
            load_file(write(tmp_path, text, f"bad-{bad}.yaml"), spec)
        (problem,) = exc.value.problems
        assert problem.path == "load.workers"
        assert problem.line == 4

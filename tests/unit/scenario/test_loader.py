"""Scenario files: strict schema, every problem located with file, line, path and hint."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

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


HOSTILE_NUMBERS = ["99999999999999999999", "1e308", ".inf", "-.inf", ".nan", "'inf'", "'NaN'"]
NUMBER_FIELDS = [
    "load.users",
    "load.spawn_rate",
    "load.mix.Shopper",
    "stack.replicas",
    "recovery.error_rate_tolerance",
    "recovery.p95_factor",
    "recovery.min_requests",
    "expect.max_error_rate",
    "expect.max_p95_inflation",
    "expect.max_errors_per_fault",
    "expect.min_delivered_ratio",
    "expect.lost_orders",
    "expect.max_rpo_orders",
    "expect.requests.GET /.max_error_rate",
    "abort.0.above",
    "repeat",
    "seed",
    "faults.0.at",
    "faults.0.duration",
    "faults.0.target.count",
    "faults.0.target.all_but",
    "faults.1.latency",
    "faults.1.toxicity",
    "faults.2.rate_kbps",
    "faults.3.bytes",
    "faults.4.factor",
    "faults.5.users",
    "faults.5.spawn_rate",
    "phases.warmup",
    "load.request_timeout",
]
NUMBERS_BASE = """\
name: numbers
abort: [{metric: error_rate, above: 0.5}]
faults:
  - {type: kill, target: {group: shop}}
  - {type: latency, dependency: payment, latency: 1s}
  - {type: bandwidth, dependency: payment, rate_kbps: 10}
  - {type: limit_data, dependency: payment, bytes: 100}
  - {type: surge, factor: 2}
  - {type: surge, id: s2, users: 20}
"""


def _set(doc: dict[str, Any], dotted: str, value: object) -> None:
    *parents, last = [int(p) if p.isdigit() else p for p in dotted.split(".")]
    node: Any = doc
    for step in parents:
        if isinstance(node, dict) and step not in node:
            node[step] = {}
        node = node[step]
    node[last] = value


@pytest.mark.parametrize("field", NUMBER_FIELDS)
@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_every_number_is_bounded_and_finite(tmp_path: Path, field: str, number: str) -> None:
    doc = yaml.safe_load(NUMBERS_BASE)
    _set(doc, field, "@@NUMBER@@")
    text = yaml.safe_dump(doc, sort_keys=False).replace("'@@NUMBER@@'", number)
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, text))
    (problem,) = exc.value.problems
    assert problem.line is not None
    rendered = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", field).replace(".GET /", '["GET /"]')
    assert problem.path == rendered, str(exc.value)


def test_the_numbers_base_is_valid(tmp_path: Path) -> None:
    spec, _ = load_stack()
    load_file(write(tmp_path, NUMBERS_BASE), spec)


@pytest.mark.parametrize(
    ("target", "where", "says"),
    [
        ("{group: shop, count: 10}", "count", "10 instances of 'shop' asked for; it has 3"),
        ("{group: shop, count: 4}", "count", "stack: {replicas: N}"),
        ("{group: shop, all_but: 3}", "all_but", "all but 3 of 'shop' leaves nothing"),
        ("{group: payment, count: 2}", "count", "it has 1"),
    ],
)
def test_counts_are_checked_against_the_replicas(
    tmp_path: Path, target: str, where: str, says: str
) -> None:
    spec, _ = load_stack()
    text = f"name: x\nfaults:\n  - type: kill\n    target: {target}\n"
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, text), spec)
    (problem,) = exc.value.problems
    assert problem.path == f"faults[0].target.{where}"
    assert problem.line == 4
    assert says in f"{problem.message} {problem.hint}"
    if "shop" in target:  # asking for more replicas of the backend makes room
        load_file(write(tmp_path, text.replace("name: x", "name: x\nstack: {replicas: 10}")), spec)


def test_scenario_names_tags_and_targets_are_safe_slugs(tmp_path: Path) -> None:
    text = (
        "name: ok\ntags: ['a b']\nstack: {profile: ../x}\n"
        "faults: [{type: kill, target: {instance: 'shop-1\\n'}}]\n"
    )
    with pytest.raises(InputError) as exc:
        load_file(write(tmp_path, text))
    paths = {p.path for p in exc.value.problems}
    assert paths == {"tags[0]", "stack.profile", "faults[0].target.instance"}


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

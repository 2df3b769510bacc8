"""The probes block: located errors for the network rule, step references, ids."""

from pathlib import Path

import pytest

from harness.errors import InputError
from harness.scenario.loader import load_file

HEAD = "name: p\nprobes:\n"


def problems(tmp_path: Path, probes: str) -> list[str]:
    path = tmp_path / "s.yaml"
    path.write_text(HEAD + probes)
    with pytest.raises(InputError) as e:
        load_file(path)
    return [f"{p.line}: {p.path}: {p.message}" for p in e.value.problems]


def test_a_url_off_loopback_is_refused_with_its_line(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, "  - {id: a, type: http, url: 'http://192.168.1.4:80/x'}\n")
    assert found.startswith("3: probes[0].url:") and "not on loopback" in found


def test_a_template_in_the_host_is_refused(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, "  - {id: a, type: http, url: 'http://{{ h }}:80/x'}\n")
    assert "no template in the scheme, host or port" in found


def test_a_step_may_only_read_earlier_steps(tmp_path: Path) -> None:
    (found,) = problems(
        tmp_path,
        "  - id: j\n    type: journey\n    steps:\n"
        "      - {id: a, path: '/x/{{ steps.b.json.id }}'}\n      - {id: b, path: /y}\n",
    )
    assert "uses steps.b (a later step)" in found


def test_ids_are_unique_and_health_is_reserved(tmp_path: Path) -> None:
    (found,) = problems(tmp_path, "  - {id: health, type: http, path: /x}\n")
    assert "built-in health probe" in found
    (found,) = problems(
        tmp_path, "  - {id: a, type: http, path: /x}\n  - {id: a, type: http, path: /y}\n"
    )
    assert "id 'a' is used twice" in found


def test_a_good_block_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        HEAD
        + "  - {id: a, type: http, path: /products, every: 2s, phases: [faults],"
        + " max_latency: 800ms}\n"
        + "  - {id: b, type: python, function: 'os.path:exists', arguments: {path: /},"
        + " tolerance: {exact: true}}\n"
        + "  - {id: c, type: http, url: 'http://localhost:8080/x', status: '<500'}\n"
    )
    sc = load_file(path).scenario
    assert [p.run_phases() for p in sc.probes] == [
        ("faults",),
        ("baseline", "faults", "observe"),
        ("baseline", "faults", "observe"),
    ]

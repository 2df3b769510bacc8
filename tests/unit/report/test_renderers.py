"""HTML, JUnit, Markdown and the narrative, rendered from real run records."""

from __future__ import annotations

import re

from lxml import etree

from harness.record.model import Status
from harness.report import charts, html, junit, markdown
from harness.report.narrative import trial_story

from .conftest import PASSING, REGRESSED, REPEATED, load


def test_html_has_every_scenario_trial_verdict_and_one_copy_of_plotly() -> None:
    record = load(REPEATED)
    page = html.render(record)
    for s in record.scenarios:
        assert f'id="{s.name}"' in page
        for t in s.trials:
            assert f'id="tl-{s.name}-{t.index}"' in page  # one timeline per trial
    assert page.count("plotly.js (basic - minified) v") == 1  # the basic bundle, embedded once
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)  # offline
    flaky = any(sc.flaky for sc in record.scenarios)  # a verdict differed between trials
    assert ('badge aborted">flaky' in page) == flaky
    assert page.count("✗ broken") == sum(
        1 for s in record.scenarios for t in s.trials for c in t.checks if c.verdict == "fail"
    )
    assert 'id="dist-kill-check"' in page  # recovery across three trials


def test_fault_windows_are_drawn_where_the_faults_were() -> None:
    record = load(REGRESSED)
    trial = record.scenarios[0].trials[0]
    fig = charts.timeline(trial)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    windows = [r for r in rects if r.fillcolor != charts.VERMILLION]
    impact = [r for r in rects if r.fillcolor == charts.VERMILLION]
    (fault,) = trial.faults
    assert fault.t_inject is not None and fault.t_revert is not None
    assert {(round(r.x0, 3), round(r.x1, 3)) for r in windows} == {
        (round(fault.t_inject, 3), round(fault.t_revert, 3))
    }
    assert trial.impact is not None and trial.impact.spans  # the slow checks cost errors
    assert {(round(r.x0, 3), round(r.x1, 3)) for r in impact} == {
        (round(a, 3), round(b, 3)) for a, b in trial.impact.spans
    }
    lines = {round(s.x0, 3) for s in fig.layout.shapes if s.type == "line"}
    p = trial.phases
    assert p is not None
    assert {round(p.warmup_end, 3), round(p.baseline_end, 3)} <= lines
    bands = [d for d in fig.data if d.type == "bar"]
    assert {d.y[0] for d in bands} == {"shop-1", "shop-2", "shop-3"}
    assert "DOWN" in {d.name for d in bands}


def test_junit_is_valid_and_carries_the_broken_expectation() -> None:
    record = load(REGRESSED)
    xml = junit.render(record)
    schema = etree.XMLSchema(etree.parse(str(junit.schema_path())))
    doc = etree.fromstring(xml.encode())
    schema.assertValid(doc)
    cases = doc.findall(".//testcase")
    assert len(cases) == sum(len(s.trials) for s in record.scenarios)
    failures = doc.findall(".//failure")
    assert len(failures) == 1
    assert "kill-check" in failures[0].getparent().get("name")
    assert re.search(r"max_\w+ \(fault:kill-shop\): expected", failures[0].get("message"))
    assert doc.get("failures") == "1"


def test_junit_of_a_passing_run() -> None:
    doc = etree.fromstring(junit.render(load(PASSING)).encode())
    assert doc.get("failures") == "0" and not doc.findall(".//failure")
    assert all(c.find("system-out") is not None for c in doc.findall(".//testcase"))


def tables(text: str) -> list[list[str]]:
    out: list[list[str]] = []
    for ln in text.splitlines():
        if ln.startswith("|"):
            if not out or not out[-1]:
                out.append([])
            out[-1].append(ln)
        elif out and out[-1]:
            out.append([])
    return [t for t in out if t]


def test_markdown_tables_are_well_formed() -> None:
    for name in (REPEATED, REGRESSED):
        record = load(name)
        text = markdown.render(record, report_link="reports/x/report.html")
        summary, *others = tables(text)
        for table in [summary, *others]:
            widths = {ln.count("|") - ln.count("\\|") for ln in table}
            assert len(widths) == 1, table  # every row as wide as the header
            assert table[1].startswith("|---")
        assert {ln.count("|") for ln in summary} == {8}  # 7 columns
        for s in record.scenarios:
            assert any(f"| {s.name} |" in ln for ln in summary)
        assert ("Flaky" in text) == any(s.flaky for s in record.scenarios)
        broken = any(
            c.verdict == "fail" for s in record.scenarios for t in s.trials for c in t.checks
        )
        assert ("### Broken promises" in text) == broken
        assert "### Orders and charges" in text  # reconciliation, asserted or not


def test_narrative_follows_the_incident_order() -> None:
    trial = load(REGRESSED).scenarios[0].trials[0]
    story = " ".join(trial_story(trial))
    order = [
        "Before any fault",
        "killed (SIGKILL)",
        "first failure",
        "load balancer took",
        "lifted",
        "back within tolerance",
        "requests failed",
        "Promises broken",
    ]
    positions = [story.find(p) for p in order]
    assert all(p >= 0 for p in positions), list(zip(order, positions, strict=True))
    assert positions == sorted(positions)


def test_statuses_render_for_every_kind() -> None:
    record = load(PASSING)
    trial = record.scenarios[0].trials[0]
    for status in Status:
        page = html.render(
            record.model_copy(
                update={
                    "scenarios": [
                        record.scenarios[0].model_copy(
                            update={
                                "status": status,
                                "trials": [trial.model_copy(update={"status": status})],
                            }
                        )
                    ]
                }
            )
        )
        assert f"badge {status.value}" in page

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
    assert page.count("plotly.js v") == 1  # the library, embedded once
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)  # offline
    assert "flaky" in page  # kill-check's verdict differed between its trials
    assert page.count("✗ broken") == sum(
        1 for s in record.scenarios for t in s.trials for c in t.checks if c.verdict == "fail"
    )
    assert 'id="dist-kill-check"' in page  # recovery across three trials


def test_fault_windows_are_drawn_where_the_faults_were() -> None:
    record = load(REGRESSED)
    trial = record.scenarios[0].trials[0]
    fig = charts.timeline(trial)
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    (fault,) = trial.faults
    assert fault.t_inject is not None and fault.t_revert is not None
    assert {(round(r.x0, 3), round(r.x1, 3)) for r in rects} == {
        (round(fault.t_inject, 3), round(fault.t_revert, 3))
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


def test_markdown_tables_are_well_formed() -> None:
    record = load(REPEATED)
    text = markdown.render(record, report_link="reports/x/report.html")
    rows = [ln for ln in text.splitlines() if ln.startswith("|")]
    widths = {ln.count("|") - ln.count("\\|") for ln in rows}
    assert widths == {8}  # 7 columns, every row
    assert rows[1].startswith("|---")
    for s in record.scenarios:
        assert any(f"| {s.name} |" in ln for ln in rows)
    assert "### Broken promises" in text and "Flaky" in text


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

"""JUnit XML: one testcase per scenario trial; a failure carries the expectations that broke
and what was observed. Schema: junit.xsd next to this file."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.record.model import RunRecord, Status
from harness.report.narrative import trial_story


def render(record: RunRecord) -> str:
    cases: list[ET.Element] = []
    failures = errors = 0
    for scenario in record.scenarios:
        for trial in scenario.trials:
            case = ET.Element(
                "testcase",
                name=f"{scenario.name} [trial {trial.index + 1}]",
                classname=f"shopchaos.{record.suite or 'run'}.{scenario.name}",
                time=f"{max(0.0, trial.finished_at - trial.started_at):.3f}",
            )
            broken = [c for c in trial.checks if c.verdict == "fail"]
            if trial.status in (Status.FAILED, Status.ABORTED):
                failures += 1
                first = broken[0] if broken else None
                message = (
                    f"{first.name} ({first.scope}): expected {first.expected}, observed "
                    f"{first.observed}"
                    if first
                    else (trial.abort.reason if trial.abort else "")
                )
                if trial.status is Status.ABORTED and trial.abort:
                    message = f"aborted: {trial.abort.reason}"
                problem = ET.SubElement(
                    case,
                    "failure",
                    message=message,
                    type="Aborted" if trial.status is Status.ABORTED else "ExpectationFailed",
                )
                problem.text = "\n".join(
                    f"{c.name} ({c.scope}): expected {c.expected}, observed {c.observed}"
                    for c in broken
                )
            elif trial.status is Status.INCONCLUSIVE:
                # a failure, not a skip: CI must not read thin evidence as a pass
                failures += 1
                reasons = [e.message for e in trial.evidence] or [
                    f"{c.name} ({c.scope}): {c.reason}"
                    for c in trial.checks
                    if c.verdict == "inconclusive"
                ]
                problem = ET.SubElement(
                    case,
                    "failure",
                    message=f"inconclusive: {reasons[0] if reasons else 'too little evidence'}",
                    type="Inconclusive",
                )
                problem.text = "\n".join(reasons)
            elif trial.status in (Status.ERROR, Status.INTERRUPTED):
                errors += 1
                problem = ET.SubElement(
                    case,
                    "error",
                    message="; ".join(trial.errors) or trial.status.value,
                    type="HarnessError" if trial.status is Status.ERROR else "Interrupted",
                )
                problem.text = "\n".join(trial.errors)
            out = ET.SubElement(case, "system-out")
            out.text = "\n".join(trial_story(trial))
            cases.append(case)
    total = len(cases)
    duration = (record.finished_at or record.started_at) - record.started_at
    root = ET.Element(
        "testsuites",
        name="shopchaos",
        tests=str(total),
        failures=str(failures),
        errors=str(errors),
        time=f"{duration:.3f}",
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=record.suite or record.run_id,
        tests=str(total),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{duration:.3f}",
        timestamp=dt.datetime.fromtimestamp(record.started_at, tz=dt.UTC)
        .replace(tzinfo=None)
        .isoformat(timespec="seconds"),
        hostname=record.machine.hostname,
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", record.run_id),
        ("seed", str(record.seed)),
        ("platform", record.platform),
        ("stack", record.stack),
        ("git_revision", record.git_revision or ""),
    ):
        ET.SubElement(props, "property", name=name, value=value)
    suite.extend(cases)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def schema_path() -> Path:
    return Path(__file__).with_name("junit.xsd")

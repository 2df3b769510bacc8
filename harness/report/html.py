"""The self-contained HTML report: opens offline (plotly.js embedded once, no CDN), its first
screen plain HTML, each chart drawn when the reader gets to it (harness/report/embed.py)."""

from __future__ import annotations

from collections import Counter

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from harness import fmt
from harness.measure.reconcile import KINDS
from harness.record.model import RunRecord, Status
from harness.report import charts, embed
from harness.report.glossary import GLOSSARY
from harness.report.narrative import trial_story

ICON = {
    "passed": "✓",
    "inconclusive": "?",
    "failed": "✗",
    "aborted": "⛔",
    "error": "!",
    "interrupted": "⏸",
}
VERDICT_BADGE = {
    "pass": ("passed", "✓ held"),
    "fail": ("failed", "✗ broken"),
    "inconclusive": ("inconclusive", "? inconclusive"),
}
METRIC_KEYS = [
    "time_to_detect",
    "time_to_recover",
    "errors",
    "users_affected",
    "availability",
    "p95_inflation",
    "delivered_ratio",
    "lb_down_after",
    "lb_up_after",
    "time_to_settle",
]


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("harness.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(record: RunRecord) -> str:
    timeline_divs = {
        s.name: [embed.to_div(charts.timeline(t), f"tl-{s.name}-{t.index}") for t in s.trials]
        for s in record.scenarios
    }
    dist_divs = {}
    for s in record.scenarios:
        fig = charts.recovery_distribution(s)
        dist_divs[s.name] = embed.to_div(fig, f"dist-{s.name}") if fig is not None else ""
    stories = {s.name: [trial_story(t) for t in s.trials] for s in record.scenarios}
    trials = [t for s in record.scenarios for t in s.trials]
    by_status = Counter(t.status.value for t in trials)
    return (
        _env()
        .get_template("report.html.j2")
        .render(
            r=record,
            fmt=fmt,
            icon=ICON,
            verdict_badge=VERDICT_BADGE,
            kinds=KINDS,
            glossary=GLOSSARY,
            metric_keys=METRIC_KEYS,
            timeline_divs=timeline_divs,
            dist_divs=dist_divs,
            stories=stories,
            totals={
                "trials": len(trials),
                "by_status": {s.value: by_status.get(s.value, 0) for s in Status},
            },
            duration=(record.finished_at or record.started_at) - record.started_at,
            chart_loader=embed.loader(),
        )
    )

"""The run index (reports/index.html) and the trend page of a suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness import fmt
from harness.record.model import RunRecord
from harness.report import charts, embed
from harness.report.html import _env
from harness.report.regress import Finding, _trial_values
from harness.report.runs import scan


def write_index(reports: Path) -> Path:
    trends = sorted(p.name for p in reports.glob("trend-*.html"))
    html = (
        _env()
        .get_template("index.html.j2")
        .render(runs=scan(reports), reports=reports, fmt=fmt, trends=trends)
    )
    path = reports / "index.html"
    path.write_text(html, encoding="utf-8")
    return path


def trend_html(suite: str, runs: list[RunRecord], findings: list[Finding], margin: float) -> str:
    return (
        _env()
        .get_template("trend.html.j2")
        .render(
            suite=suite,
            runs=runs,
            findings=findings,
            margin=margin,
            charts=[(name, embed.to_div(fig, f"trend-{name}")) for name, fig in _trend_figs(runs)],
            chart_loader=embed.loader(),
        )
    )


def _trend_figs(runs: list[RunRecord]) -> list[tuple[str, Any]]:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    names = sorted({s.name for r in runs for s in r.scenarios})
    x = [r.run_id for r in runs]
    out = []
    for name in names:
        fig = make_subplots(
            rows=1, cols=2, subplot_titles=["time to recover (s, median)", "error rate (%, median)"]
        )
        scenario_runs = [next((s for s in r.scenarios if s.name == name), None) for r in runs]
        metrics = sorted(
            {k for s in scenario_runs if s for k in s.summary if k.endswith(".time_to_recover")}
        )
        for i, metric in enumerate(metrics):
            y = [
                (s.summary[metric].median if s and metric in s.summary else None)
                for s in scenario_runs
            ]
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines+markers",
                    name=metric,
                    line={"color": [charts.BLUE, charts.ORANGE, charts.GREEN][i % 3]},
                ),
                1,
                1,
            )
        err = [
            (
                (s.summary["error_rate"].median or 0) * 100
                if s and "error_rate" in s.summary
                else None
            )
            for s in scenario_runs
        ]
        fig.add_trace(
            go.Scatter(
                x=x,
                y=err,
                mode="lines+markers",
                name="error rate",
                line={"color": charts.VERMILLION},
            ),
            1,
            2,
        )
        verdicts = [s.status.value if s else "missing" for s in scenario_runs]
        fig.update_traces(hovertext=verdicts)
        fig.update_layout(
            height=300,
            template=charts.light(),
            showlegend=True,
            margin={"l": 50, "r": 20, "t": 40, "b": 80},
            legend={"orientation": "h", "y": -0.35},
        )
        out.append((name, fig))
    return out


def latest_values(run: RunRecord, scenario: str, metric: str) -> list[float | None]:
    s = next((s for s in run.scenarios if s.name == scenario), None)
    return _trial_values(s, metric) if s else []

"""Plotly figures from the run record: the trial timeline and recovery across trials.

Colours: the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
states and verdicts are also written out, never shown by colour alone.
"""

from __future__ import annotations

from typing import Any

from harness.record.model import ProbeMark, ProbeRecord, ScenarioRecord, TrialRecord

BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, GREY = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#F0E442",
    "#999999",
)
STATE_COLOUR = {"UP": GREEN, "DOWN": VERMILLION, "MAINT": PURPLE, "DRAIN": ORANGE, "NOLB": SKY}
# A template of a few lines instead of plotly_white's 7 KB, which every chart would repeat
LIGHT: dict[str, Any] = {
    "layout": {
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#EBF0F8", "zeroline": False, "linecolor": "#C8D4E3"},
        "yaxis": {"gridcolor": "#EBF0F8", "zeroline": False, "linecolor": "#C8D4E3"},
        "colorway": [BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, GREY],
    }
}


def light() -> Any:
    """LIGHT as a plotly Template object: a dict would be merged into the default template,
    which then travels with every chart."""
    import plotly.graph_objects as go

    return go.layout.Template(LIGHT)


def timeline(trial: TrialRecord) -> Any:
    """Throughput, error rate and p95 on one time axis, fault windows shaded and labelled,
    phase markers, and the load balancer's view of each backend as a band underneath."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    servers = sorted({e.server for e in trial.backend_events})
    probes = [p for p in trial.probes if p.samples]
    titles = ["throughput (req/s)", "error rate (%)", "p95 latency (ms)"]
    heights = [0.3, 0.22, 0.3]
    if servers:
        titles.append("load balancer's view")
        heights.append(0.18)
    if probes:
        titles.append("probes (\u2713 passed, \u2717 failed)")
        heights.append(0.06 + 0.05 * len(probes))
    rows = len(titles)
    fig = make_subplots(
        rows=rows,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=heights,
        subplot_titles=titles,
    )
    b = trial.buckets
    t = [x.t for x in b]
    fig.add_trace(
        go.Scatter(
            x=t,
            y=[x.rps for x in b],
            name="req/s",
            line={"color": BLUE},
            mode="lines",
            hovertemplate="%{y:.0f} req/s at %{x:.1f} s",
        ),
        1,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=t,
            y=[None if x.error_rate is None else x.error_rate * 100 for x in b],
            name="errors %",
            line={"color": VERMILLION},
            mode="lines",
            fill="tozeroy",
            hovertemplate="%{y:.2f} %% errors at %{x:.1f} s",
        ),
        2,
        1,
    )
    fig.add_trace(
        go.Scatter(
            x=t,
            y=[None if x.p95 is None else x.p95 * 1000 for x in b],
            name="p95 ms",
            line={"color": PURPLE},
            mode="lines",
            hovertemplate="p95 %{y:.1f} ms at %{x:.1f} s",
        ),
        3,
        1,
    )
    if trial.baseline and trial.baseline.p95 is not None:
        fig.add_hline(
            y=trial.baseline.p95 * 1000,
            line={"dash": "dot", "color": GREY},
            annotation_text="baseline p95",
            annotation_position="top left",
            row=3,
            col=1,
        )
    if trial.tolerance and trial.tolerance.latency_bound is not None:
        fig.add_hline(
            y=trial.tolerance.latency_bound * 1000,
            line={"dash": "dash", "color": VERMILLION, "width": 1},
            annotation_text="tolerance",
            annotation_position="top right",
            row=3,
            col=1,
        )
    _impact(fig, trial)
    end = trial.phases.end if trial.phases else (t[-1] if t else 0.0)
    if servers:
        _lb_band(fig, trial, servers, end, 4)
    if probes:
        _probe_marks(fig, probes, rows)
    _faults(fig, trial, end)
    _phases(fig, trial)
    fig.update_layout(
        height=(620 if servers else 520) + (60 + 30 * len(probes) if probes else 0),
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        showlegend=False,
        hovermode="x unified",
        template=light(),
        font={"family": "system-ui, sans-serif", "size": 12},
    )
    fig.update_xaxes(title_text="seconds since the load started", row=rows, col=1)
    return fig


def _lb_band(fig: Any, trial: TrialRecord, servers: list[str], end: float, row: int) -> None:
    import plotly.graph_objects as go

    for server in servers:
        events = sorted((e for e in trial.backend_events if e.server == server), key=lambda e: e.t)
        for i, e in enumerate(events):
            start = max(e.t, 0.0)
            stop = events[i + 1].t if i + 1 < len(events) else end
            if stop <= start:
                continue
            fig.add_trace(
                go.Bar(
                    y=[server],
                    x=[stop - start],
                    base=[start],
                    orientation="h",
                    marker={"color": STATE_COLOUR.get(e.state, GREY)},
                    name=e.state,
                    text=[e.state],
                    textposition="inside",
                    insidetextanchor="middle",
                    hovertemplate=f"{server}: {e.state} from {start:.2f} s to {stop:.2f} s"
                    "<extra></extra>",
                ),
                row,
                1,
            )
    fig.update_layout(barmode="overlay")


def _probe_marks(fig: Any, probes: list[ProbeRecord], row: int) -> None:
    """Each probe's samples as markers on its own line: a circle for a pass, a cross for a
    failure (shape and colour both say it), the reason on hover."""
    import plotly.graph_objects as go

    for p in probes:
        for ok, symbol, colour in ((True, "circle", GREEN), (False, "x", VERMILLION)):
            marks = [m for m in p.samples if m.ok is ok]
            if not marks:
                continue
            fig.add_trace(
                go.Scatter(
                    x=[m.t for m in marks],
                    y=[p.id] * len(marks),
                    mode="markers",
                    marker={"symbol": symbol, "color": colour, "size": 7 if ok else 9},
                    name=f"{p.id} {'passed' if ok else 'failed'}",
                    text=[_mark_text(m) for m in marks],
                    hovertemplate=f"{p.id}: %{{text}} at %{{x:.2f}} s<extra></extra>",
                ),
                row,
                1,
            )


def _mark_text(m: ProbeMark) -> str:
    took = f"{m.duration * 1000:.0f} ms"
    if m.ok:
        return f"passed in {took}" + (f" ({m.value})" if m.value else "")
    return f"failed after {took}: {m.error or 'failed'}"


def _faults(fig: Any, trial: TrialRecord, end: float) -> None:
    palette = [ORANGE, SKY, YELLOW, PURPLE]
    for i, f in enumerate(trial.faults):
        if f.t_inject is None:
            continue
        stop = f.t_revert if f.t_revert is not None else end
        if stop - f.t_inject < 0.2:  # an instant fault (a restart): at least visible
            stop = f.t_inject + 0.2
        fig.add_vrect(
            x0=f.t_inject,
            x1=stop,
            fillcolor=palette[i % len(palette)],
            opacity=0.18,
            line_width=0,
            annotation_text=f"{f.id}",
            annotation_position="top left",
            row="all",
            col=1,
        )


def _impact(fig: Any, trial: TrialRecord) -> None:
    """Where the service was out of tolerance (the bad units of every fault's impact), as a
    hatched band on the error-rate row, labelled, so impact is never shown by colour alone."""
    if trial.impact is None:
        return
    for start, stop in trial.impact.spans:
        fig.add_vrect(
            x0=start,
            x1=stop,
            fillcolor=VERMILLION,
            opacity=0.12,
            line={"color": VERMILLION, "width": 1, "dash": "dot"},
            annotation_text="out of tolerance",
            annotation_position="bottom left",
            annotation_font_size=10,
            row=2,
            col=1,
        )


def _phases(fig: Any, trial: TrialRecord) -> None:
    p = trial.phases
    if p is None:
        return
    for x, label in (
        (p.warmup_end, "baseline"),
        (p.baseline_end, "faults"),
        (p.faults_end, "observe"),
    ):
        fig.add_vline(
            x=x,
            line={"dash": "dash", "color": GREY, "width": 1},
            annotation_text=label,
            annotation_position="bottom right",
        )


def recovery_distribution(scenario: ScenarioRecord) -> Any | None:
    """Time to recover per fault across trials: every trial as a point on the fault's row, the
    median as a bar across it (a strip plot: the basic plotly bundle has no box trace)."""
    import plotly.graph_objects as go

    from harness.measure.stats import percentile

    if len(scenario.trials) < 2:
        return None
    fig = go.Figure()
    fault_ids = [f.id for f in scenario.trials[0].faults]
    for fid in fault_ids:
        values = [
            f.metrics.time_to_recover
            for t in scenario.trials
            for f in t.faults
            if f.id == fid and f.metrics.time_to_recover is not None
        ]
        if not values:
            continue
        fig.add_trace(
            go.Scatter(
                x=[round(v, 4) for v in values],
                y=[fid] * len(values),
                mode="markers",
                name=fid,
                marker={"color": BLUE, "size": 9, "opacity": 0.7},
                hovertemplate="%{x:.3f} s<extra>" + fid + "</extra>",
            )
        )
        median = percentile(values, 50)
        fig.add_trace(
            go.Scatter(
                x=[median],
                y=[fid],
                mode="markers",
                name=f"{fid} median",
                marker={"color": VERMILLION, "symbol": "line-ns-open", "size": 26},
                hovertemplate="median %{x:.3f} s<extra>" + fid + "</extra>",
            )
        )
    if not fig.data:
        return None
    fig.update_layout(
        height=120 + 30 * len(fig.data),
        template=light(),
        margin={"l": 120, "r": 20, "t": 30, "b": 40},
        showlegend=False,
        title={
            "text": f"time to recover over {len(scenario.trials)} trials (s)",
            "font": {"size": 13},
        },
    )
    return fig

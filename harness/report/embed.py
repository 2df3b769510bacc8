"""How charts travel in a self-contained page, drawn only when the reader gets to them.

Each figure is inert JSON next to a placeholder of its height; plotly.js is embedded once as
inert text; a small loader (static/charts.js) starts after the load event and the first paint,
and draws a chart when it comes within a screen of the viewport (or its <details> opens),
evaluating plotly.js on the first one. The first screen (summary, verdicts) is plain HTML that
waits for no script; printing draws every chart first. Measured in docs/performance.md (scale).
"""

from __future__ import annotations

import json
from html import escape
from importlib.resources import files
from typing import Any

BUNDLE = "plotly-basic.min.js"
LOADER = "charts.js"
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"],
}
DEFAULT_HEIGHT = 450  # plotly's own when a layout names none
NOSCRIPT = "This chart needs JavaScript; the tables hold its figures."


def to_div(fig: Any, div_id: str) -> str:
    """A placeholder that keeps the chart's place, and the figure as JSON beside it."""
    _round_data(fig)
    spec = script_safe(fig.to_json(validate=False, pretty=False))
    height = int(fig.layout.height or DEFAULT_HEIGHT)
    ident = escape(div_id, quote=True)
    return (
        f'<div class="plot" id="{ident}" data-chart style="height:{height}px">'
        f"<noscript><p>{NOSCRIPT}</p></noscript></div>"
        f'<script type="application/json" id="{ident}-data">{spec}</script>'
    )


def figure(page: str, div_id: str) -> dict[str, Any]:
    """The figure a page carries for one chart (what the loader would draw), for tests and
    tools; KeyError if the page has none by that id."""
    start_tag = f'<script type="application/json" id="{escape(div_id, quote=True)}-data">'
    start = page.index(start_tag) + len(start_tag)
    return dict(json.loads(page[start : page.index("</script>", start)]))


def script_safe(text: str) -> str:
    """JSON that cannot end its <script> element or open a comment inside it: <, > and & are
    written as the \\u escapes JSON allows (outside strings JSON has none of them)."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def loader() -> str:
    """plotly.js as inert text (evaluated by the loader at the first chart) and the loader;
    placed at the end of <body>, after every placeholder."""
    config = script_safe(json.dumps(CONFIG, separators=(",", ":")))
    code = (files("harness.report") / "static" / LOADER).read_text(encoding="utf-8")
    return (
        f'<script type="text/plain" id="plotly-js">{plotly_js()}</script>\n'
        f'<script type="application/json" id="chart-config">{config}</script>\n'
        f"<script>{code}</script>"
    )


def _round_data(fig: Any) -> None:
    """Times to the millisecond and values to 4 significant places: a float's 17 digits per
    point would make most of a report's weight (its figures stay exact in record.json)."""
    for trace in fig.data:
        for axis in ("x", "y", "base"):
            values = getattr(trace, axis, None)
            if values is not None and not isinstance(values, str):
                setattr(trace, axis, [_short(v) for v in values])


def _short(v: Any) -> Any:
    if isinstance(v, float):
        return float(f"{v:.4g}") if abs(v) < 1000 else round(v, 1)
    return v


def plotly_js() -> str:
    """plotly.js's basic bundle (scatter and bar are all the reports use: 1.2 MB, not 4.8),
    embedded so reports open offline; refused if it is not the version plotly was built for."""
    from plotly.offline import get_plotlyjs_version

    text = (files("harness.report") / "static" / BUNDLE).read_text(encoding="utf-8")
    if f"v{get_plotlyjs_version()}" in text[:200]:
        return text
    # another plotly than the one pinned (harness/report/static/README.md): its full bundle,
    # four times the weight, rather than charts drawn by a plotly.js they were not made for
    from plotly.offline import get_plotlyjs

    return str(get_plotlyjs())

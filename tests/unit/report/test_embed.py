"""Charts travel as inert JSON beside placeholders; the page holds every trial's data, plotly.js
once, and no script that runs before the first screen."""

from __future__ import annotations

import json
import re

from hypothesis import given
from hypothesis import strategies as st

from harness.report import charts, embed, html

from .conftest import REPEATED, copies, load


def test_every_trial_timeline_travels_with_its_data() -> None:
    record = copies(load(REPEATED), 4)
    page = html.render(record)
    for s in record.scenarios:
        for t in s.trials:
            fig = embed.figure(page, f"tl-{s.name}-{t.index}")
            rps = next(d for d in fig["data"] if d["name"] == "req/s")
            assert rps["x"] == [embed._short(b.t) for b in t.buckets]
            assert rps["y"] == [embed._short(b.rps) for b in t.buckets]
            assert f'<div class="plot" id="tl-{s.name}-{t.index}" data-chart' in page
    assert len(re.findall(r'<div class="plot" id="[^"]+" data-chart', page)) == 4


def test_the_distribution_across_trials_travels_too() -> None:
    record = load(REPEATED)
    page = html.render(record)
    scenario = record.scenarios[0]
    fig = embed.figure(page, f"dist-{scenario.name}")
    expected = charts.recovery_distribution(scenario)
    assert expected is not None
    assert len(fig["data"]) == len(expected.data)


def test_the_first_screen_waits_for_no_script() -> None:
    page = html.render(load(REPEATED))
    running = [
        m.start()
        for m in re.finditer(r"<script(?![^>]*type=\"(application/json|text/plain)\")", page)
    ]
    assert len(running) == 1  # the loader, after the last section
    assert running[0] > page.index("</footer>")
    assert page.index('id="plotly-js"') > page.index("</footer>")
    assert page.count("plotly.js (basic - minified) v") == 1
    assert "<noscript>" in page


def test_trend_page_charts_are_lazy_too() -> None:
    from harness.report import pages

    runs = [load(REPEATED)]
    page = pages.trend_html("fixture", runs, [], 0.2)
    for s in runs[0].scenarios:
        assert embed.figure(page, f"trend-{s.name}")["data"]
    assert page.count('<script type="text/plain" id="plotly-js">') == 1


@given(st.recursive(st.text() | st.integers() | st.none(), lambda c: st.lists(c, max_size=4)))
def test_script_safe_json_cannot_close_its_script(value: object) -> None:
    text = embed.script_safe(json.dumps(value))
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == value

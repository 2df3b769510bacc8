"""Open the HTML report in Debian's headless Chromium as a person would: the first screen needs
no script, each chart draws when the reader gets to it (scrolled to, its <details> opened, or
printed), no script fails, and a screenshot is taken (reports/screenshots/ when
SHOPCHAOS_SCREENSHOTS is set, for a person to look at)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.report import html

from .conftest import PASSING, REGRESSED, REPEATED, copies, load

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(shutil.which("chromium") or "/usr/bin/chromium").exists(),
        reason="chromium is installed by make setup",
    ),
]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DRAWN = ".js-plotly-plot .main-svg"  # plotly's class and its SVG, there once a chart is drawn
DRAWN_CHART = "[data-chart].js-plotly-plot:has(.main-svg)"
WAIT_MS = 60_000  # a chart's draw on a loaded 2-core machine takes well under a second


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield b
        finally:
            b.close()


def _open(browser: Any, page_file: Path, errors: list[str], **context: Any) -> Any:
    page = browser.new_context(viewport={"width": 1280, "height": 900}, **context).new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(page_file.as_uri(), timeout=WAIT_MS)
    return page


def _charts_drawn(page: Any) -> int:
    return int(page.eval_on_selector_all(DRAWN_CHART, "els => els.length"))


def _drawn(page: Any, div_id: str) -> bool:
    return bool(page.locator(f"#{div_id} .main-svg").count())


def test_charts_draw_when_the_reader_reaches_them(browser: Any, tmp_path: Path) -> None:
    record = copies(load(REPEATED), 8)  # a long page: the last chart is screens away
    page_file = tmp_path / "report.html"
    page_file.write_text(html.render(record), encoding="utf-8")
    errors: list[str] = []
    page = _open(browser, page_file, errors)
    first, last = (f"tl-{s.name}-0" for s in (record.scenarios[0], record.scenarios[-1]))
    page.wait_for_selector(f"#{first} .main-svg", timeout=WAIT_MS)  # near the top: unasked
    assert page.locator("#glance + table tbody tr").count() == 8
    assert not _drawn(page, last)  # lazy: nobody went there
    page.locator(f"#{record.scenarios[-1].name}").scroll_into_view_if_needed()
    page.wait_for_selector(f"#{last} .main-svg", timeout=WAIT_MS)
    assert page.locator(f"#{last}").bounding_box()["height"] > 400  # drawn at its own height
    assert errors == []
    page.pdf(path=str(tmp_path / "report.pdf"))  # printing draws every chart first
    assert _charts_drawn(page) == 8
    assert errors == []


def test_every_chart_draws_for_a_reader_who_opens_everything(browser: Any, tmp_path: Path) -> None:
    record = load(REPEATED)
    page_file = tmp_path / "report.html"
    page_file.write_text(html.render(record), encoding="utf-8")
    errors: list[str] = []
    page = _open(browser, page_file, errors)
    closed = f"tl-{record.scenarios[0].name}-1"  # a second trial that passed: folded away
    page.locator(f"#{closed}").locator(
        "xpath=ancestor::details[1]/summary"
    ).scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    assert not _drawn(page, closed)  # inside a closed <details>: not drawn
    page.locator(f"#{closed}").locator("xpath=ancestor::details[1]/summary").click()
    page.wait_for_selector(f"#{closed} .main-svg", timeout=WAIT_MS)
    ids = page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.id)")
    trials = sum(len(s.trials) for s in record.scenarios)
    assert len(ids) == trials + sum(1 for s in record.scenarios if len(s.trials) > 1)
    for div_id in ids:
        page.evaluate(
            "id => { const el = document.getElementById(id);"
            " el.closest('details')?.setAttribute('open', ''); el.scrollIntoView(); }",
            div_id,
        )
        page.wait_for_selector(f"#{div_id} .main-svg", timeout=WAIT_MS)
    assert page.get_by_text("kill-check").first.is_visible()
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    if out := os.environ.get("SHOPCHAOS_SCREENSHOTS"):
        Path(out).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(out) / "report.png")
    assert errors == []


def test_the_verdicts_read_without_javascript(browser: Any, tmp_path: Path) -> None:
    record = load(REPEATED)
    page_file = tmp_path / "report.html"
    page_file.write_text(html.render(record), encoding="utf-8")
    errors: list[str] = []
    page = _open(browser, page_file, errors, java_script_enabled=False)
    rows = page.locator("#glance + table tbody tr")
    assert rows.count() == sum(len(s.trials) for s in record.scenarios)
    assert rows.first.is_visible()
    assert "passed" in rows.first.inner_text()
    note = page.locator("[data-chart] noscript p").first  # (text locators skip <noscript>)
    assert note.is_visible()
    assert "needs JavaScript" in note.inner_text()
    assert page.locator(DRAWN).count() == 0
    assert errors == []


def test_trend_page_draws_its_charts(browser: Any, tmp_path: Path) -> None:
    from harness.report import pages

    runs = [load(REPEATED), load(PASSING), load(REGRESSED)]
    page_file = tmp_path / "trend.html"
    page_file.write_text(pages.trend_html("fixture", runs, [], 0.2), encoding="utf-8")
    errors: list[str] = []
    page = _open(browser, page_file, errors)
    ids = page.eval_on_selector_all("[data-chart]", "els => els.map(e => e.id)")
    assert ids == [f"trend-{name}" for name in sorted({s.name for r in runs for s in r.scenarios})]
    for div_id in ids:
        page.locator(f"#{div_id}").scroll_into_view_if_needed()
        page.wait_for_selector(f"#{div_id} .main-svg", timeout=WAIT_MS)
    assert errors == []

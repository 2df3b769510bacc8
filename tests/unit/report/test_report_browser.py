"""Open the HTML report in Debian's headless Chromium as a person would: the charts render,
no script fails, and a screenshot is taken (reports/screenshots/ when SHOPCHAOS_SCREENSHOTS
is set, for a person to look at)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness.report import html

from .conftest import REPEATED, load

pytestmark = pytest.mark.browser
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


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is installed by make setup")
def test_report_renders_charts_without_script_errors(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    record = load(REPEATED)
    page_file = tmp_path / "report.html"
    page_file.write_text(html.render(record), encoding="utf-8")
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(page_file.as_uri(), timeout=30_000)
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            trials = sum(len(s.trials) for s in record.scenarios)
            plots = page.locator(".js-plotly-plot").count()
            assert plots >= trials
            assert page.locator(".js-plotly-plot .main-svg").count() >= trials
            assert page.get_by_text("kill-check").first.is_visible()
            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 50_000
            if out := os.environ.get("SHOPCHAOS_SCREENSHOTS"):
                Path(out).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(out) / "report.png")
        finally:
            browser.close()
    assert errors == []

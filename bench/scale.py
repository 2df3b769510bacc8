"""Measurement at scale (issue 15): a trial of 1,000,000 requests, synthetic and known by
construction, through assess() -> record -> judge() -> report; and the HTML report of a
12-scenario run: its size, how long headless Chromium takes to show its first screen, and
how long until every chart is drawn for a reader who scrolls through.

Each 1M-request figure is measured in a child process of its own, so peak memory (ru_maxrss)
is that step's alone. No stack is needed.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REQUESTS = 1_000_000
RATE = 1700.0  # req/s: the one-process ceiling here, so 1M requests is a ~10-minute trial
ASSESS_GOAL_S, ASSESS_GOAL_MB = 10.0, 1024.0
REPORT_GOAL_MB, OPEN_GOAL_S = 1.5, 2.0


def scale(work: Path, *, requests: int = REQUESTS) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"requests": requests, "rate": RATE}
    out["million"] = _child(work, requests)
    out["report_12"] = _twelve_scenario_report(work)
    return out


def _child(work: Path, requests: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.scale", str(work), str(requests)],
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _million(work: Path, requests: int) -> dict[str, Any]:
    """In the child: build the trial, assess it, record it, judge it, render its report."""
    from harness.faults.meta import FaultMeta
    from harness.measure.assess import assess
    from harness.measure.observations import FaultObservation, PhaseTimes, TrialObservations
    from harness.measure.timeline import RequestRecord
    from harness.record import io as record_io
    from harness.record import model as rec
    from harness.report.html import render
    from harness.scenario.schema import Scenario
    from harness.scenario.settings import assess_settings
    from harness.scenario.trial_record import to_record, write_timeline_csv
    from harness.scenario.verdict import judge

    t0 = 1_000_000.0
    names = ("GET /products", "GET /products/[id]", "POST /carts", "POST /checkout")
    end = t0 + requests / RATE
    kill_at = t0 + min(300.0, (60.0 + requests / RATE) / 2)  # 300 s in, or mid fault phase
    apply_at = kill_at - 0.001
    # 2 s of errors after the kill, ending on a unit's edge (units tile from apply_at): a lone
    # failure in a unit of 1,700 requests is within the tolerance by definition, not an impact
    broken = (kill_at, apply_at + 2.0)
    records = []
    for i in range(requests):
        t = t0 + i / RATE
        failed = broken[0] <= t < broken[1] and i % 3 == 0
        records.append(RequestRecord(t, 0.004, names[i % 4], 503 if failed else 200, None, i % 64))
    truth_errors = sum(1 for r in records if r.failed)
    meta = FaultMeta("kill", "kill", "instance", "shop-1", True, ("shop-1",), ("shop-1",))
    obs = TrialObservations(
        seed=1,
        started_at=t0,
        finished_at=end,
        users=64,
        phases=PhaseTimes(t0, t0 + 10, t0 + 60, t0 + 60, end),
        requests=tuple(records),
        faults=(FaultObservation(meta, apply_at, kill_at, None, None),),
    )
    scenario = Scenario.model_validate({"name": "million", "expect": {"max_errors_per_fault": 10}})
    settings = assess_settings(scenario)
    base_rss = _rss_mb()
    started = time.perf_counter()
    metrics = assess(settings, obs)
    assess_s = time.perf_counter() - started
    assess_rss = _rss_mb()
    started = time.perf_counter()
    trial = judge(scenario, to_record(0, obs, metrics, settings, {}, None))
    judge_s = time.perf_counter() - started
    run = rec.RunRecord(
        run_id="million",
        status=trial.status,
        started_at=t0,
        finished_at=end,
        platform="synthetic",
        stack="synthetic",
        harness_version="bench",
        machine=rec.Machine(hostname="bench", cpus=1, system="", python=""),
        seed=1,
        scenarios=[
            rec.ScenarioRecord(name="million", spec={}, status=trial.status, trials=[trial])
        ],
    )
    run_dir = work / "million"
    record_io.write(run, run_dir)
    csv_path = write_timeline_csv(obs, run_dir / "timeline.csv.gz")
    started = time.perf_counter()
    html = render(run)
    render_s = time.perf_counter() - started
    (run_dir / "report.html").write_text(html, encoding="utf-8")
    m = trial.faults[0].metrics
    return {
        "assess_seconds": round(assess_s, 2),
        "assess_peak_mb": round(assess_rss, 1),
        "peak_mb_before_assess": round(base_rss, 1),
        "judge_seconds": round(judge_s, 3),
        "record_mb": round((run_dir / "record.json").stat().st_size / 1e6, 2),
        "timeline_csv_mb": round(csv_path.stat().st_size / 1e6, 1),
        "report_seconds": round(render_s, 2),
        "report_mb": round(len(html.encode()) / 1e6, 2),
        "errors": m.errors,
        "errors_truth": truth_errors,
        "time_to_recover": round(m.time_to_recover, 4) if m.time_to_recover is not None else None,
        "resolution_recover": m.resolution_recover,
        "time_to_recover_truth": round(broken[1] - kill_at, 4),
    }


def _twelve_scenario_report(work: Path) -> dict[str, Any]:
    """A 12-scenario run record made by the real engine: the fixture runs' scenarios, copied
    to twelve, rendered; its size, and how long Chromium takes to show it (_open)."""
    from harness.record import io as record_io
    from harness.report.html import render

    root = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "records"
    source = record_io.read(sorted(p for p in root.iterdir() if p.is_dir())[0])
    scenarios: list[Any] = []
    while len(scenarios) < 12:
        for s in source.scenarios:
            if len(scenarios) < 12:
                trials = s.trials[:1]
                name = f"{s.name}-{len(scenarios) + 1}"
                scenarios.append(s.model_copy(update={"name": name, "trials": trials}))
    run = source.model_copy(update={"scenarios": scenarios})
    page = work / "twelve" / "report.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(render(run), encoding="utf-8")
    charts = sum(len(s.trials) for s in scenarios)  # a timeline each (one trial: no distribution)
    return {
        "scenarios": len(scenarios),
        "charts": charts,
        "report_mb": round(page.stat().st_size / 1e6, 2),
        **_open(page, charts=charts),
    }


# Registered before the page's own scripts: at the load event, the first frame after it (a
# task queued from requestAnimationFrame runs once that frame is painted), and every long task
FIRST_SCREEN = """(() => {
const bench = (window.__bench = {longest: 0});
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) bench.longest = Math.max(bench.longest, e.duration);
}).observe({type: "longtask"});
addEventListener("load", () => requestAnimationFrame(() => setTimeout(() => {
  bench.first_screen = performance.now();
  bench.summary = !!document.querySelector("#glance + table tbody tr");
})));
})();"""
# A reader scrolling through: every <details> opened, each chart scrolled into view in turn and
# waited for (its SVG drawn), with a deadline; the time since navigation when the last one drew
SCROLL_THROUGH = """async (deadline) => {
  for (const d of document.querySelectorAll("details:not(.def)")) d.open = true;
  const charts = [...document.querySelectorAll("[data-chart]")];
  for (const el of charts) {
    el.scrollIntoView();
    while (!el.querySelector(".main-svg")) {
      if (performance.now() > deadline) throw new Error(`chart ${el.id} not drawn`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return {charts: charts.length, at: performance.now()};
}"""


def _open(page: Path, *, charts: int, tries: int = 3) -> dict[str, Any]:
    """Medians over `tries` fresh tabs, in seconds since navigation started (the page's own
    clock): the first screen (load event, then the first frame painted after it: the summary
    and verdict table, which need no script), first contentful paint, and every chart drawn
    for a reader who scrolls through (the charts draw lazily); and the longest task that kept
    the page from answering input in all that time."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {}
    runs: list[dict[str, float]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            for _ in range(tries):
                tab = browser.new_page(viewport={"width": 1280, "height": 900})
                tab.add_init_script(FIRST_SCREEN)
                tab.goto(page.as_uri(), timeout=60_000)
                tab.wait_for_function("window.__bench.first_screen !== undefined", timeout=60_000)
                first = tab.evaluate("window.__bench")
                if not first["summary"]:
                    raise RuntimeError("the first screen has no verdict table")
                fcp = tab.evaluate(
                    "performance.getEntriesByName('first-contentful-paint')[0].startTime"
                )
                scrolled = tab.evaluate(SCROLL_THROUGH, 60_000)
                if scrolled["charts"] != charts:
                    raise RuntimeError(f"{scrolled['charts']} charts on the page, not {charts}")
                runs.append(
                    {
                        "first_screen_seconds": first["first_screen"] / 1000,
                        "first_paint_seconds": fcp / 1000,
                        "all_charts_seconds": scrolled["at"] / 1000,
                        "longest_task_seconds": tab.evaluate("window.__bench.longest") / 1000,
                    }
                )
                tab.close()
        finally:
            browser.close()
    return {key: round(_median([r[key] for r in runs]), 2) for key in runs[0]}


def _median(values: list[float]) -> float:
    values = sorted(values)
    return values[len(values) // 2]


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    print(json.dumps(_million(Path(sys.argv[1]), int(sys.argv[2]))))

"""Write every output of a run next to its record: report.html, junit.xml, summary.md (the
per-request CSV timelines are written by the runner), and refresh reports/index.html."""

from __future__ import annotations

from pathlib import Path

from harness.record.model import RunRecord
from harness.report import html, junit, markdown
from harness.report.pages import write_index


def write_all(record: RunRecord, run_dir: Path) -> dict[str, Path]:
    out = {
        "html": run_dir / "report.html",
        "junit": run_dir / "junit.xml",
        "markdown": run_dir / "summary.md",
    }
    out["html"].write_text(html.render(record), encoding="utf-8")
    out["junit"].write_text(junit.render(record), encoding="utf-8")
    out["markdown"].write_text(
        markdown.render(record, report_link=f"{run_dir}/report.html"), encoding="utf-8"
    )
    out["index"] = write_index(run_dir.parent)
    return out

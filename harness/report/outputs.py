"""Write every output of a run next to its record: report.html, junit.xml, summary.md (the
per-request CSV timelines are written by the runner), and refresh reports/index.html."""

from __future__ import annotations

import os
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
    _write(out["html"], html.render(record))
    _write(out["junit"], junit.render(record))
    _write(out["markdown"], markdown.render(record, report_link=f"{run_dir}/report.html"))
    out["index"] = write_index(run_dir.parent)
    return out


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a report cut short by a signal is never left half written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

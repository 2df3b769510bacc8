"""A Markdown summary that fits a CI job summary or a pull-request comment."""

from __future__ import annotations

from harness import fmt
from harness.record.model import RunRecord, ScenarioRecord, Status, TrialRecord

ICON = {
    Status.PASSED: "✅ passed",
    Status.INCONCLUSIVE: "❔ inconclusive",
    Status.FAILED: "❌ failed",
    Status.ABORTED: "⛔ aborted",
    Status.ERROR: "⚠️ error",
    Status.INTERRUPTED: "⏸️ interrupted",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(record: RunRecord, *, report_link: str | None = None) -> str:
    duration = (record.finished_at or record.started_at) - record.started_at
    counts = {s: sum(1 for sc in record.scenarios if sc.status is s) for s in Status}
    head = [
        f"## shopchaos: {ICON[record.status]}",
        "",
        f"{len(record.scenarios)} scenarios on **{record.platform}** ({record.stack}), "
        f"{fmt.seconds(duration)}, seed `{record.seed}`"
        + (f", revision `{record.git_revision}`" if record.git_revision else "")
        + ". "
        + ", ".join(f"{n} {s.value}" for s, n in counts.items() if n),
        "",
        "| scenario | verdict | trials | time to recover (median) | errors per fault | "
        "error rate | p95 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    rows = [_row(s) for s in record.scenarios]
    broken = [
        f"- **{s.name}** trial {t.index + 1}: {_cell(c.name)} ({_cell(c.scope)}) expected "
        f"{_cell(c.expected)}, observed {_cell(c.observed)}"
        for s in record.scenarios
        for t in s.trials
        for c in t.checks
        if c.verdict == "fail"
    ]
    tail = ["", "### Broken promises", "", *broken] if broken else []
    unjudged = [
        f"- **{s.name}** trial {t.index + 1}: "
        + _cell(
            "; ".join(e.message for e in t.evidence)
            or "; ".join(
                f"{c.name} ({c.scope}): {c.reason}" for c in t.checks if c.verdict == "inconclusive"
            )
        )
        for s in record.scenarios
        for t in s.trials
        if t.status is Status.INCONCLUSIVE
    ]
    if unjudged:
        tail += ["", "### Inconclusive (too little evidence for a verdict)", "", *unjudged]
    recon = [_recon_row(s.name, t) for s in record.scenarios for t in s.trials if t.reconciliation]
    if recon:
        tail += [
            "",
            "### Orders and charges",
            "",
            "| scenario | trial | acknowledged | confirmed | charges | lost | double charges | "
            "orphan charges | other |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|",
            *recon,
        ]
    flaky = [s.name for s in record.scenarios if s.flaky]
    if flaky:
        tail += ["", f"**Flaky** (verdict differed between identical trials): {', '.join(flaky)}"]
    if report_link:
        tail += ["", f"Full report: {report_link}"]
    return "\n".join([*head, *rows, *tail]) + "\n"


def _recon_row(name: str, t: TrialRecord) -> str:
    r = t.reconciliation
    assert r is not None
    if r.error:
        return f"| {_cell(name)} | {t.index + 1} | not reconciled: {_cell(r.error)} ||||||| |"
    c = r.counts
    other = ", ".join(
        f"{k.replace('_', ' ')} {v}"
        for k, v in c.items()
        if v and k not in ("lost_orders", "double_charges", "orphan_charges")
    )
    return (
        f"| {_cell(name)} | {t.index + 1} | {r.acknowledged} | {r.confirmed} | {r.charges} | "
        f"{c.get('lost_orders', 0)} | {c.get('double_charges', 0)} | "
        f"{c.get('orphan_charges', 0)} | {other or fmt.DASH} |"
    )


def _row(s: ScenarioRecord) -> str:
    ttr = [d.median for k, d in s.summary.items() if k.endswith(".time_to_recover")]
    errs = [d.median for k, d in s.summary.items() if k.endswith(".errors")]
    rate = s.summary.get("error_rate")
    p95 = s.summary.get("p95")
    verdict = ICON[s.status] + (" (flaky)" if s.flaky else "")
    return (
        f"| {_cell(s.name)} | {verdict} | {len(s.trials)} | "
        f"{', '.join(fmt.seconds(v) for v in ttr) or fmt.DASH} | "
        f"{', '.join(fmt.number(v) for v in errs) or fmt.DASH} | "
        f"{fmt.rate(rate.median if rate else None)} | {fmt.seconds(p95.median if p95 else None)} |"
    )

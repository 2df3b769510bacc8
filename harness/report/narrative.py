"""An incident-style narrative per trial, in the order a post-incident review uses: what was
injected and when, when customers first saw errors, when the system detected it, when it
recovered, how many requests and checkouts failed, what was promised. Generated from the
record; nothing here is hand-written per scenario."""

from __future__ import annotations

from harness.record.model import FaultRecord, TrialRecord
from harness.report import fmt

CHECKOUT_HINTS = ("checkout", "order", "pay")


def trial_story(trial: TrialRecord) -> list[str]:
    lines: list[str] = []
    if trial.baseline is not None:
        b = trial.baseline
        lines.append(
            f"Before any fault the shop served {b.rps:.0f} requests/s to {b.users} users, "
            f"p95 {fmt.seconds(b.p95)}, error rate {fmt.rate(b.error_rate)}."
        )
    for fault in sorted(trial.faults, key=lambda f: f.t_inject if f.t_inject is not None else 1e9):
        lines.extend(fault_story(fault))
    if trial.abort is not None:
        lines.append(
            f"At {fmt.at(trial.abort.t)} the run was aborted ({trial.abort.reason}); every fault "
            "was reverted at once."
        )
    failed = [c for c in trial.checks if c.verdict == "fail"]
    if failed:
        broken = "; ".join(
            f"{c.name} ({c.scope}): expected {c.expected}, observed {c.observed}" for c in failed
        )
        lines.append(f"Promises broken: {broken}.")
    elif trial.checks:
        lines.append(f"All {len(trial.checks)} promises held.")
    for rb in trial.rollbacks:
        if not rb.ok:
            lines.append(f"Reverting {rb.fault} failed: {rb.error}. Run `shopchaos recover`.")
    return lines


def fault_story(f: FaultRecord) -> list[str]:
    if f.t_inject is None:
        return [f"{f.id} ({f.kind} on {f.target}) could not be applied: {f.apply_error}."]
    m = f.metrics
    if f.kind == "restore_from_backup":
        return [_dr_story(f)]
    out = [f"At {fmt.at(f.t_inject)} {_what(f)}."]
    if m.time_to_detect is None:
        out.append("No customer saw an error or a breach of the latency SLO.")
    else:
        out.append(f"Customers saw the first failure {fmt.seconds(m.time_to_detect)} later.")
    if m.lb_down_after is not None:
        up = (
            f", and back in rotation {fmt.seconds(m.lb_up_after)} after the fault began"
            if m.lb_up_after is not None
            else ""
        )
        out.append(
            f"The load balancer took {f.target} out of rotation after "
            f"{fmt.seconds(m.lb_down_after)}{up}."
        )
    if f.t_revert is not None:
        out.append(f"The fault was lifted at {fmt.at(f.t_revert)}.")
    ref = "the fault began" if f.self_healing else "it was lifted"
    if m.time_to_recover is None:
        out.append("Service did not get back within tolerance before the end of the trial.")
    elif m.time_to_recover == 0 and m.errors == 0:
        out.append("Service stayed within the steady-state tolerance throughout.")
    else:
        out.append(
            f"Service was back within tolerance {fmt.seconds(m.time_to_recover)} after {ref}."
        )
    if m.errors:
        checkouts = sum(
            n
            for name, n in m.errors_by_request.items()
            if any(h in name.lower() for h in CHECKOUT_HINTS)
        )
        share = (
            f" ({fmt.rate(m.users_affected_share)} of the {m.users_active} active)"
            if m.users_active
            else ""
        )
        out.append(
            f"{m.errors} requests failed, {checkouts} of them checkouts, affecting "
            f"{m.users_affected} users{share}."
        )
    if m.availability is not None and m.availability < 1:
        out.append(f"Availability while it lasted: {fmt.rate(m.availability)}.")
    if m.p95_inflation is not None and m.p95_inflation >= 1.5:
        out.append(f"p95 latency rose {fmt.ratio(m.p95_inflation)} ({fmt.seconds(m.p95_during)}).")
    return [" ".join(out)]


def _dr_story(f: FaultRecord) -> str:
    d = f.details
    parts = [
        f"After {d.get('backups', 0)} backups taken under load, the database was destroyed "
        f"at {fmt.at(_num(d.get('destroyed_at')))}."
    ]
    if "restore_seconds" in d:
        parts.append(
            f"The latest backup (taken {fmt.seconds(_num(d.get('rpo_seconds')))} "
            f"before) was restored in {fmt.seconds(_num(d.get('restore_seconds')))}."
        )
    rto = _num(d.get("rto"))
    parts.append(
        "Checkouts never succeeded again before the end of the trial."
        if rto is None
        else f"Checkouts succeeded again {fmt.seconds(rto)} after the disaster (RTO)."
    )
    if "rpo_orders" in d:
        parts.append(
            f"{d['rpo_orders']} acknowledged orders were lost with the data after the "
            "backup (RPO); their payments remain with the provider and need refunds."
        )
    return " ".join(parts)


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, (int, float)) else None


def _what(f: FaultRecord) -> str:
    spec = f.spec
    kind = f.kind
    if kind in ("kill", "terminate", "pause", "restart", "partition"):
        verb = {
            "kill": "killed (SIGKILL)",
            "terminate": "stopped (SIGTERM)",
            "pause": "froze",
            "restart": "restarted, one by one,",
            "partition": "cut off the network",
        }[kind]
        return f"{f.id} {verb} {f.target}"
    if kind == "surge":
        return f"{f.id} raised the load ({f.target})"
    detail = ""
    if kind == "latency":
        detail = f" of {spec.get('latency', '?')}"
    if spec.get("toxicity", 1) not in (1, 1.0):
        detail += f" on {float(spec['toxicity']) * 100:.0f} % of connections"
    return f"{f.id} injected {kind}{detail} into {f.target}"

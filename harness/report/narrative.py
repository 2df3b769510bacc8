"""An incident-style narrative per trial, in the order a post-incident review uses: what was
injected and when, when customers first saw it, when the system detected it, when it
recovered, how many requests and checkouts failed, what was promised, and whether the evidence
could carry a verdict. Every sentence is derived from the record's own figures and the trial's
own tolerance (never a constant of its own), so the story cannot contradict the tables."""

from __future__ import annotations

from harness import fmt
from harness.measure.reconcile import KINDS
from harness.record.model import FaultRecord, Reconciliation, Tolerance, TrialRecord

CHECKOUT_HINTS = ("checkout", "order", "pay")


def trial_story(trial: TrialRecord) -> list[str]:
    lines: list[str] = []
    if trial.baseline is not None:
        b = trial.baseline
        lines.append(
            f"Before any fault the shop served {b.rps:.0f} requests/s to {b.users} users, "
            f"p95 {fmt.seconds(b.p95)}, error rate {fmt.rate(b.error_rate)}."
        )
    tol = trial.tolerance
    if tol is not None and tol.widened:
        lines.append(f"The service was judged in wider windows: {tol.widened}.")
    for fault in sorted(trial.faults, key=lambda f: f.t_inject if f.t_inject is not None else 1e9):
        lines.extend(fault_story(fault, tol))
    if trial.impact is not None and len([f for f in trial.faults if f.metrics.bad_units]) > 1:
        lines.append(
            f"Together the faults cost {trial.impact.errors} failed requests, each counted once, "
            f"affecting {trial.impact.users_affected} users."
        )
    if trial.abort is not None:
        lines.append(
            f"At {fmt.at(trial.abort.t)} the run was aborted ({trial.abort.reason}); every fault "
            "was reverted at once."
        )
    if trial.reconciliation is not None:
        lines.append(_reconciliation_story(trial.reconciliation))
    lines.extend(_verdict_story(trial))
    for rb in trial.rollbacks:
        if not rb.ok:
            lines.append(f"Reverting {rb.fault} failed: {rb.error}. Run `shopchaos recover`.")
    return lines


def _verdict_story(trial: TrialRecord) -> list[str]:
    out = []
    if trial.interrupted:
        out.append(
            f"The trial was interrupted ({trial.interrupted}) before its end: its promises "
            "were not judged."
        )
    elif trial.evidence:
        reasons = "; ".join(e.message for e in trial.evidence)
        out.append(f"The evidence was thin: {reasons}.")
    failed = [c for c in trial.checks if c.verdict == "fail"]
    unsure = [c for c in trial.checks if c.verdict == "inconclusive"]
    if failed:
        broken = "; ".join(
            f"{c.name} ({c.scope}): expected {c.expected}, observed {c.observed}" for c in failed
        )
        out.append(f"Promises broken: {broken}.")
    if unsure and not trial.interrupted:
        out.append(
            f"{len(unsure)} promise{'s' if len(unsure) > 1 else ''} could not be judged: "
            + "; ".join(f"{c.name} ({c.scope}): {c.reason}" for c in unsure[:3])
            + ("; …" if len(unsure) > 3 else "")
            + "."
        )
    if trial.checks and not failed and not unsure:
        out.append(f"All {len(trial.checks)} promises held.")
    return out


def fault_story(f: FaultRecord, tol: Tolerance | None = None) -> list[str]:
    if f.t_inject is None:
        return [f"{f.id} ({f.kind} on {f.target}) could not be applied: {f.apply_error}."]
    m = f.metrics
    if f.kind == "restore_from_backup":
        return [_dr_story(f)]
    out = [f"At {fmt.at(f.t_inject)} {_what(f)}."]
    out.extend(_detection_story(f, tol))
    if f.t_revert is not None:
        out.append(f"The fault was lifted at {fmt.at(f.t_revert)}.")
    out.extend(_recovery_story(f))
    out.extend(_errors_story(f))
    if m.availability is not None and m.availability < 1:
        out.append(f"Availability while it lasted: {fmt.rate(m.availability)}.")
    factor = tol.p95_factor if tol is not None else None
    if m.p95_inflation is not None and factor is not None and m.p95_inflation > factor:
        out.append(
            f"p95 latency of successful requests rose {fmt.ratio(m.p95_inflation)} "
            f"({fmt.seconds(m.p95_during)}), above the tolerance of {fmt.ratio(factor)}."
        )
    return [" ".join(out)]


def _detection_story(f: FaultRecord, tol: Tolerance | None) -> list[str]:
    m = f.metrics
    out = []
    if m.recovery == "unknown":
        out.append("There were no requests to judge this fault by.")
    elif m.recovery == "no_impact":
        out.append(
            f"No customer saw an error, and no request was slower than {_bound(tol)} more "
            "often than chance allows."
        )
    elif m.time_to_detect is not None:
        out.append(
            f"Customers saw the first failure or slow response "
            f"{fmt.moment(m.time_to_detect, m.resolution_detect)} later."
        )
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
    return out


def _recovery_story(f: FaultRecord) -> list[str]:
    m = f.metrics
    ref = "the fault began" if f.self_healing else "it was lifted"
    out = []
    if m.recovery == "recovered":
        out.append(
            f"Service was back within tolerance, and stayed there, "
            f"{fmt.moment(m.time_to_recover, m.resolution_recover)} after {ref}."
        )
    elif m.recovery == "never":
        out.append("Service was still out of tolerance at the end of the trial.")
    elif m.recovery == "cut":
        out.append("Service was still out of tolerance when the next fault began.")
    if m.settle == "recovered":
        out.append(
            f"Lifting it disturbed the service again; it settled back within tolerance "
            f"{fmt.seconds(m.time_to_settle)} after the revert."
        )
    elif m.settle in ("never", "cut"):
        out.append("After it was lifted the service did not settle back within tolerance.")
    if m.confounded_by:
        out.append(
            f"It began while {', '.join(m.confounded_by)} had not recovered: its figures "
            "include that impact."
        )
    return out


def _errors_story(f: FaultRecord) -> list[str]:
    m = f.metrics
    if not m.errors:
        return []
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
    shared = (
        f"; {m.shared_errors} of them fall in the impact of {', '.join(m.shared_with)} too"
        if m.shared_errors
        else ""
    )
    return [
        f"{m.errors} requests failed, {checkouts} of them checkouts, affecting "
        f"{m.users_affected} users{share}{shared}."
    ]


def _bound(tol: Tolerance | None) -> str:
    if tol is None or tol.latency_bound is None:
        return "the tolerance"
    return (
        f"its own baseline p95 {fmt.TIMES} {tol.p95_factor:g} + {fmt.seconds(tol.p95_slack)} "
        f"({fmt.seconds(tol.latency_bound)} over all requests)"
    )


def _reconciliation_story(r: Reconciliation) -> str:
    if r.error is not None:
        return f"Orders and charges could not be reconciled: {r.error}."
    found = [f"{r.counts[k]} {k.replace('_', ' ')}" for k in KINDS if r.counts.get(k)]
    tail = "; found " + ", ".join(found) if found else "; nothing lost, doubled or orphaned"
    settled = "" if r.settled else " (some orders were still in flight when it was read)"
    return (
        f"Reconciliation: {r.acknowledged} checkouts acknowledged to customers, {r.confirmed} "
        f"orders confirmed, {r.charges} charges captured{tail}{settled}."
    )


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

"""Check a trial against the scenario's `expect:` block: expected, observed, verdict.

A verdict is `pass` or `fail` only on sufficient evidence (docs/metrics.md); otherwise it is
`inconclusive` with the reason: the trial's evidence problems, a figure with no data, a time
within its resolution of the limit, a "never recovered" seen for less time than the limit.
Each check declares what it needs: `fact` (a count that holds whatever the machine did:
correctness, the fault was applied, the LB marked it down), `timing` (a latency or a rate
measured on this machine), or `baseline` (a figure judged against the steady state: recovery,
detection, errors per fault, ...). Pure functions over the trial record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from harness import fmt
from harness.measure import reconcile
from harness.record.model import Check, FaultRecord, ProbeRecord, Stats, TrialRecord
from harness.scenario.schema import Scenario

Needs = Literal["fact", "timing", "baseline"]
Fmt = Callable[[float | None], str]
_AFFECTS: dict[str, tuple[Needs, ...]] = {
    "all": ("fact", "timing", "baseline"),
    "timing": ("timing", "baseline"),
    "baseline": ("baseline",),
}


@dataclass(frozen=True)
class _Spec:
    name: str
    scope: str
    limit: float
    at_most: bool
    fmt: Fmt
    needs: Needs


def _blocked(trial: TrialRecord, needs: Needs) -> str | None:
    """The first evidence problem that takes this kind of check away, if any."""
    for e in trial.evidence:
        if needs in _AFFECTS[e.affects]:
            return e.message
    return None


def _check(
    s: _Spec,
    trial: TrialRecord,
    value: float | None,
    *,
    observed: str | None = None,
    resolution: float | None = None,
    missing: str = "no data",
) -> Check:
    sign = "<=" if s.at_most else ">="
    expected = f"{sign} {s.fmt(s.limit)}"
    base = {"name": s.name, "scope": s.scope, "expected": expected, "limit": s.limit}
    shown = observed if observed is not None else s.fmt(value)
    if (why := _blocked(trial, s.needs)) is not None:
        return Check(
            **base,
            observed=shown if value is not None else missing,
            verdict="inconclusive",
            reason=why,
            value=value,
        )
    if value is None:
        return Check(
            **base, observed=missing, verdict="inconclusive", reason=f"{missing}: nothing to judge"
        )
    return Check(**base, observed=shown, value=value, **_compare(s, value, resolution))


def _compare(s: _Spec, value: float, resolution: float | None) -> dict[str, str | None]:
    """pass / fail, or inconclusive when the limit lies within the figure's resolution.
    The truth of a time figure lies within [value - resolution, value + resolution]: a
    recovery figure is the start of the first good request, which may have started before the
    service was well and only finished after (a slow stack: 0.38 s +/- 0.30 s, truth 0.60 s)."""
    eps = 1e-12
    res = resolution or 0.0
    if s.at_most:
        if value + res <= s.limit + eps:
            return {"verdict": "pass", "reason": None}
        if value - res <= s.limit + eps:
            return {
                "verdict": "inconclusive",
                "reason": f"{fmt.moment(value, resolution)} is within its resolution of the "
                f"limit {s.fmt(s.limit)} (raise the request rate, or the limit)",
            }
        return {"verdict": "fail", "reason": None}
    return {"verdict": "pass" if value >= s.limit - eps else "fail", "reason": None}


def check_trial(scenario: Scenario, trial: TrialRecord) -> list[Check]:
    e = scenario.expect
    checks: list[Check] = []
    overall = trial.overall
    if e.max_error_rate is not None:
        s = _Spec("max_error_rate", "run", e.max_error_rate, True, fmt.rate, "timing")
        checks.append(_check(s, trial, overall.error_rate if overall else None))
    if e.max_p95 is not None:
        s = _Spec("max_p95", "run", e.max_p95, True, fmt.seconds, "timing")
        checks.append(_check(s, trial, overall.p95 if overall else None))
    for name, req in e.requests.items():
        found = next((st for st in trial.by_request if st.name == name), None)
        checks.extend(
            _request_checks(trial, name, req.max_error_rate, req.max_p95, found)
            + _failed_latency_check(trial, name, req.max_p95_failed, found)
        )
    for fault in trial.faults:
        checks.extend(_fault_checks(scenario, trial, fault))
    checks.extend(_correctness_checks(scenario, trial))
    checks.extend(_probe_check(trial, p) for p in trial.probes if p.judged)
    return checks


def _probe_check(trial: TrialRecord, p: ProbeRecord) -> Check:
    """A probe is a promise: in each phase it runs in, at least `min_success` of its samples
    pass. A phase with a failure rate past that fails it (whatever the other phases hold); a
    phase with fewer than `min_samples` samples makes it inconclusive. A probe with a latency
    limit needs a machine fit to measure (timing); otherwise what it saw is a fact."""
    share = "every sample" if p.min_success >= 1 else f">= {fmt.rate(p.min_success)} of samples"
    phases = [ph for ph in p.by_phase if ph.span > 0 or ph.samples]
    expected = f"{share} passes in {', '.join(ph.phase for ph in phases) or 'no phase'}"
    observed = ", ".join(f"{ph.phase} {ph.passed}/{ph.samples}" for ph in phases) or "no samples"
    base = {"name": "probe", "scope": f"probe:{p.id}", "expected": expected, "limit": p.min_success}
    worst = min((ph.passed / ph.samples for ph in phases if ph.samples), default=None)
    if (why := _blocked(trial, "timing" if p.timed else "fact")) is not None:
        return Check(**base, observed=observed, verdict="inconclusive", reason=why, value=worst)
    broken = [ph for ph in phases if ph.samples and ph.passed / ph.samples < p.min_success - 1e-12]
    if broken:
        first = min(broken, key=lambda ph: ph.first_failure or 0.0)
        detail = f"; first failure at {fmt.at(first.first_failure)}: {first.first_error}"
        return Check(**base, observed=observed + detail, verdict="fail", value=worst)
    thin = [ph for ph in phases if ph.samples < p.min_samples]
    if thin or not phases:
        reason = "; ".join(
            f"{ph.samples} sample(s) during {ph.phase} (needs {p.min_samples})" for ph in thin
        )
        return Check(
            **base,
            observed=observed,
            verdict="inconclusive",
            reason=reason or "no phase to judge it in",
            value=worst,
        )
    return Check(**base, observed=observed, verdict="pass", value=worst)


def _request_checks(
    trial: TrialRecord,
    name: str,
    max_error_rate: float | None,
    max_p95: float | None,
    found: Stats | None,
) -> list[Check]:
    scope = f"request:{name}"
    missing = f"no request named {name!r} was made"
    out = []
    if max_error_rate is not None:
        s = _Spec("max_error_rate", scope, max_error_rate, True, fmt.rate, "timing")
        out.append(_check(s, trial, found.error_rate if found else None, missing=missing))
    if max_p95 is not None:
        s = _Spec("max_p95", scope, max_p95, True, fmt.seconds, "timing")
        out.append(_check(s, trial, found.p95 if found else None, missing=missing))
    return out


def _failed_latency_check(
    trial: TrialRecord, name: str, limit: float | None, found: Stats | None
) -> list[Check]:
    """How long failing requests of this name took: a failure should come fast (a breaker)."""
    if limit is None:
        return []
    s = _Spec("max_p95_failed", f"request:{name}", limit, True, fmt.seconds, "timing")
    if found is None:
        return [_check(s, trial, None, missing=f"no request named {name!r} was made")]
    if found.failures == 0:
        return [_check(s, trial, 0.0, observed="none failed")]
    return [_check(s, trial, found.p95_failed)]


def _count(v: float | None) -> str:
    return fmt.DASH if v is None else f"{v:.0f}"


def _plain(v: float | None) -> str:
    return fmt.DASH if v is None else f"{v:.2f}"


def _impact_count(f: FaultRecord, n: int) -> float | None:
    """A count over the impact: 0 with no impact, none when there is no evidence at all."""
    return None if f.metrics.recovery == "unknown" else float(n)


def _users_share(f: FaultRecord) -> float | None:
    m = f.metrics
    if m.recovery == "unknown":
        return None
    if m.users_affected == 0:
        return 0.0
    return m.users_affected_share


# (expectation, the metric it bounds, how it reads, at most (True) or at least (False))
_FAULT_LIMITS: list[tuple[str, Callable[[FaultRecord], float | None], Fmt, bool]] = [
    (
        "max_error_rate_during_fault",
        lambda f: None if f.metrics.availability is None else 1 - f.metrics.availability,
        fmt.rate,
        True,
    ),
    ("min_availability", lambda f: f.metrics.availability, fmt.rate, False),
    ("max_p95_inflation", lambda f: f.metrics.p95_inflation, fmt.ratio, True),
    ("max_errors_per_fault", lambda f: _impact_count(f, f.metrics.errors), _count, True),
    ("max_users_affected", _users_share, fmt.rate, True),
    ("min_delivered_ratio", lambda f: f.metrics.delivered_ratio, _plain, False),
]


def _fault_checks(scenario: Scenario, trial: TrialRecord, fault: FaultRecord) -> list[Check]:
    e = scenario.expect
    scope = f"fault:{fault.id}"
    if fault.t_inject is None or fault.apply_error:
        return [
            Check(
                name="applied",
                scope=scope,
                expected="fault applied",
                observed=fault.apply_error or "not applied",
                verdict="fail",
            )
        ]
    out: list[Check] = []
    for name, value, how, at_most in _FAULT_LIMITS:
        limit = getattr(e, name)
        if limit is not None:
            s = _Spec(name, scope, float(limit), at_most, how, "baseline")
            out.append(_check(s, trial, value(fault)))
    if e.max_time_to_detect is not None:
        out.append(_detect_check(trial, fault, e.max_time_to_detect))
    if e.max_time_to_recover is not None:
        out.append(_recover_check(trial, fault, e.max_time_to_recover))
    if e.recovers:
        out.append(_recovers_check(trial, fault))
    if e.max_time_to_settle is not None and fault.metrics.settle is not None:
        out.append(_settle_check(trial, fault, e.max_time_to_settle))
    out.extend(_dr_checks(scenario, trial, fault, scope))
    if e.lb_marks_down:
        out.append(_lb_check(trial, fault, scope))
    return out


def _detect_check(trial: TrialRecord, f: FaultRecord, limit: float) -> Check:
    m = f.metrics
    s = _Spec("max_time_to_detect", f"fault:{f.id}", limit, True, fmt.seconds, "baseline")
    if m.recovery == "no_impact":
        return _check(s, trial, 0.0, observed="no impact")
    if m.time_to_detect is None:
        return _check(s, trial, None, missing=fmt.detection(m.recovery, None, None))
    shown = fmt.moment(m.time_to_detect, m.resolution_detect)
    return _check(s, trial, m.time_to_detect, observed=shown, resolution=m.resolution_detect)


def _observed_for(trial: TrialRecord, f: FaultRecord) -> float | None:
    """How long after the recovery reference the trial kept watching this fault."""
    m = f.metrics
    until = m.judged_until if m.judged_until is not None else m.span_end
    if m.recovery_reference is None or until is None:
        return None
    return until - m.recovery_reference


def _recover_check(trial: TrialRecord, f: FaultRecord, limit: float) -> Check:
    m = f.metrics
    s = _Spec("max_time_to_recover", f"fault:{f.id}", limit, True, fmt.seconds, "baseline")
    if m.recovery in ("never", "cut"):
        watched = _observed_for(trial, f)
        words = fmt.recovery(m.recovery, None, None)
        if watched is not None and watched > limit:
            # it stayed out of tolerance for longer than the limit: broken, whatever came later
            return _check(s, trial, watched, observed=f"{words} ({fmt.seconds(watched)} watched)")
        return _check(
            s, trial, None, missing=f"{words}, but only {fmt.seconds(watched)} was watched"
        )
    if m.recovery == "unknown" or m.time_to_recover is None:
        return _check(s, trial, None, missing=fmt.recovery(m.recovery, None, None))
    shown = fmt.recovery(m.recovery, m.time_to_recover, m.resolution_recover)
    return _check(s, trial, m.time_to_recover, observed=shown, resolution=m.resolution_recover)


def _settle_check(trial: TrialRecord, f: FaultRecord, limit: float) -> Check:
    """After a self-healing fault was lifted (a replica restarted): back within tolerance, and
    stayed, within `limit` of the revert."""
    m = f.metrics
    s = _Spec("max_time_to_settle", f"fault:{f.id}", limit, True, fmt.seconds, "baseline")
    if m.settle in ("never", "cut"):
        words = fmt.recovery(m.settle, None, None)
        return _check(s, trial, None, missing=f"{words} after the revert")
    if m.settle == "unknown" or m.time_to_settle is None:
        return _check(s, trial, None, missing=fmt.recovery(m.settle or "unknown", None, None))
    shown = "no impact" if m.settle == "no_impact" else fmt.seconds(m.time_to_settle)
    return _check(s, trial, m.time_to_settle, observed=shown)


def _recovers_check(trial: TrialRecord, f: FaultRecord) -> Check:
    m = f.metrics
    base = {"name": "recovers", "scope": f"fault:{f.id}", "expected": "recovers"}
    shown = fmt.recovery(m.recovery, m.time_to_recover, m.resolution_recover)
    if (why := _blocked(trial, "baseline")) is not None:
        return Check(**base, observed=shown, verdict="inconclusive", reason=why)
    if m.recovery in ("recovered", "no_impact"):
        return Check(**base, observed=shown, verdict="pass")
    if m.recovery == "never":
        return Check(**base, observed=shown, verdict="fail")
    reason = (
        "the next fault began before it recovered"
        if m.recovery == "cut"
        else "no requests to judge it by"
    )
    return Check(**base, observed=shown, verdict="inconclusive", reason=reason)


def _lb_check(trial: TrialRecord, f: FaultRecord, scope: str) -> Check:
    m = f.metrics
    base = {"name": "lb_marks_down", "scope": scope, "expected": "LB marks it down"}
    if len(f.lb_servers) != 1:
        return Check(
            **base,
            observed=f"{len(f.lb_servers)} LB servers hit",
            verdict="inconclusive",
            reason="the LB's view is followed for a fault that hits exactly one server of "
            "the load balancer's backend",
        )
    if m.lb_down_after is not None:
        return Check(
            **base,
            observed=f"after {fmt.seconds(m.lb_down_after)}",
            verdict="pass",
            value=m.lb_down_after,
        )
    if (why := _blocked(trial, "fact")) is not None:
        return Check(**base, observed="never", verdict="inconclusive", reason=why)
    return Check(**base, observed="never", verdict="fail")


def _dr_checks(
    scenario: Scenario, trial: TrialRecord, fault: FaultRecord, scope: str
) -> list[Check]:
    """RTO and RPO of a restore_from_backup fault (the DR drill)."""
    if fault.kind != "restore_from_backup":
        return []
    e = scenario.expect
    out: list[Check] = []
    for name, key, how, needs in (
        ("max_rto", "rto", fmt.seconds, "timing"),
        ("max_rpo_seconds", "rpo_seconds", fmt.seconds, "fact"),
        ("max_rpo_orders", "rpo_orders", _count, "fact"),
    ):
        limit = getattr(e, name)
        if limit is None:
            continue
        s = _Spec(name, scope, float(limit), True, how, needs)  # type: ignore[arg-type]
        raw = fault.details.get(key)
        value = float(raw) if isinstance(raw, (int, float)) else None
        if value is None and key == "rto":
            out.append(_rto_never(trial, fault, s))
        else:
            out.append(_check(s, trial, value))
    return out


def _rto_never(trial: TrialRecord, fault: FaultRecord, s: _Spec) -> Check:
    destroyed = fault.details.get("destroyed_at")
    end = trial.phases.end if trial.phases else None
    if isinstance(destroyed, (int, float)) and end is not None and end - destroyed > s.limit:
        watched = end - float(destroyed)
        return _check(s, trial, watched, observed=f"never ({fmt.seconds(watched)} watched)")
    return _check(s, trial, None, missing="never, watched for less than the limit")


def _correctness_checks(scenario: Scenario, trial: TrialRecord) -> list[Check]:
    out = []
    rec = trial.reconciliation
    for name in reconcile.KINDS:
        limit = getattr(scenario.expect, name)
        if limit is None:
            continue
        s = _Spec(name, "run", float(limit), True, _count, "fact")
        if rec is None or rec.error is not None:
            why = rec.error if rec is not None and rec.error else "not reconciled"
            out.append(_check(s, trial, None, missing=why))
            continue
        value = rec.counts.get(name, 0)
        examples = rec.examples.get(name, [])
        seen = f"{value}" + (f" (e.g. {', '.join(examples[:3])})" if examples else "")
        out.append(_check(s, trial, float(value), observed=seen))
    return out

"""Check a trial against the scenario's `expect:` block: expected, observed, verdict.

Fault-level expectations are checked for every fault of the scenario (scope "fault:<id>").
A fault that caused no failed request has no time to detect: that passes ("no impact").
"""

from __future__ import annotations

from collections.abc import Callable

from harness.measure import reconcile
from harness.record.model import Check, FaultRecord, Stats, TrialRecord
from harness.scenario.schema import Scenario

Fmt = Callable[[float | None], str]


def fmt_seconds(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v * 1000:.0f}ms" if v < 1 else f"{v:.2f}s"


def fmt_rate(v: float | None) -> str:
    return "-" if v is None else f"{v * 100:.2f}%"


def fmt_plain(v: float | None) -> str:
    return "-" if v is None else f"{v:g}"


def _at_most(
    name: str,
    scope: str,
    limit: float,
    value: float | None,
    fmt: Callable[[float | None], str],
    *,
    missing: str = "no data",
    missing_passes: bool = False,
) -> Check:
    if value is None:
        verdict = "pass" if missing_passes else "fail"
        return Check(
            name=name,
            scope=scope,
            expected=f"<= {fmt(limit)}",
            observed=missing,
            verdict=verdict,
            limit=limit,
        )
    return Check(
        name=name,
        scope=scope,
        expected=f"<= {fmt(limit)}",
        observed=fmt(value),
        verdict="pass" if value <= limit + 1e-12 else "fail",
        limit=limit,
        value=value,
    )


def _at_least(
    name: str, scope: str, limit: float, value: float | None, fmt: Callable[[float | None], str]
) -> Check:
    if value is None:
        return Check(
            name=name,
            scope=scope,
            expected=f">= {fmt(limit)}",
            observed="no data",
            verdict="fail",
            limit=limit,
        )
    return Check(
        name=name,
        scope=scope,
        expected=f">= {fmt(limit)}",
        observed=fmt(value),
        verdict="pass" if value >= limit - 1e-12 else "fail",
        limit=limit,
        value=value,
    )


def check_trial(scenario: Scenario, trial: TrialRecord) -> list[Check]:
    e = scenario.expect
    checks: list[Check] = []
    overall = trial.overall
    if overall is not None:
        if e.max_error_rate is not None:
            checks.append(
                _at_most("max_error_rate", "run", e.max_error_rate, overall.error_rate, fmt_rate)
            )
        if e.max_p95 is not None:
            checks.append(_at_most("max_p95", "run", e.max_p95, overall.p95, fmt_seconds))
    for name, req in e.requests.items():
        found = next((s for s in trial.by_request if s.name == name), None)
        checks.extend(_request_checks(name, req.max_error_rate, req.max_p95, found))
    for fault in trial.faults:
        checks.extend(_fault_checks(scenario, fault))
    checks.extend(_correctness_checks(scenario, trial))
    return checks


def _dr_checks(scenario: Scenario, fault: FaultRecord, scope: str) -> list[Check]:
    """RTO and RPO of a restore_from_backup fault (the DR drill)."""
    if fault.kind != "restore_from_backup":
        return []
    e = scenario.expect
    out: list[Check] = []
    for name, key, fmt in (
        ("max_rto", "rto", fmt_seconds),
        ("max_rpo_seconds", "rpo_seconds", fmt_seconds),
        ("max_rpo_orders", "rpo_orders", fmt_plain),
    ):
        limit = getattr(e, name)
        if limit is not None:
            value = fault.details.get(key)
            out.append(
                _at_most(
                    name,
                    scope,
                    float(limit),
                    float(value) if isinstance(value, (int, float)) else None,
                    fmt,
                    missing="never" if key == "rto" else "no data",
                )
            )
    return out


def _correctness_checks(scenario: Scenario, trial: TrialRecord) -> list[Check]:
    out = []
    rec = trial.reconciliation
    for name in reconcile.KINDS:
        limit = getattr(scenario.expect, name)
        if limit is None:
            continue
        if rec is None or rec.error is not None:
            why = rec.error if rec is not None and rec.error else "not reconciled"
            out.append(
                Check(
                    name=name,
                    scope="run",
                    expected=f"<= {limit}",
                    observed=why,
                    verdict="fail",
                    limit=limit,
                )
            )
            continue
        value = rec.counts.get(name, 0)
        examples = rec.examples.get(name, [])
        seen = f"{value}" + (f" (e.g. {', '.join(examples[:3])})" if examples else "")
        out.append(
            Check(
                name=name,
                scope="run",
                expected=f"<= {limit}",
                observed=seen,
                verdict="pass" if value <= limit else "fail",
                limit=limit,
                value=value,
            )
        )
    return out


def _request_checks(
    name: str, max_error_rate: float | None, max_p95: float | None, found: Stats | None
) -> list[Check]:
    scope = f"request:{name}"
    out = []
    if max_error_rate is not None:
        out.append(
            _at_most(
                "max_error_rate",
                scope,
                max_error_rate,
                found.error_rate if found else None,
                fmt_rate,
                missing="no such request",
            )
        )
    if max_p95 is not None:
        out.append(
            _at_most(
                "max_p95",
                scope,
                max_p95,
                found.p95 if found else None,
                fmt_seconds,
                missing="no such request",
            )
        )
    return out


def _ratio(v: float | None) -> str:
    return "-" if v is None else f"{v:.2f}x"


def _count(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


# (expectation, the metric it bounds, how it reads, at most (True) or at least (False))
_FAULT_LIMITS: list[tuple[str, Callable[[FaultRecord], float | None], Fmt, bool]] = [
    (
        "max_error_rate_during_fault",
        lambda f: None if f.metrics.availability is None else 1 - f.metrics.availability,
        fmt_rate,
        True,
    ),
    ("min_availability", lambda f: f.metrics.availability, fmt_rate, False),
    ("max_p95_inflation", lambda f: f.metrics.p95_inflation, _ratio, True),
    ("max_errors_per_fault", lambda f: f.metrics.errors, _count, True),
    (
        "max_users_affected",
        lambda f: f.metrics.users_affected_share if f.metrics.users_active else 0.0,
        fmt_rate,
        True,
    ),
    ("min_delivered_ratio", lambda f: f.metrics.delivered_ratio, fmt_plain, False),
]


def _fault_checks(scenario: Scenario, fault: FaultRecord) -> list[Check]:
    e = scenario.expect
    m = fault.metrics
    scope = f"fault:{fault.id}"
    if fault.t_inject is None:
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
    for name, value, fmt, at_most in _FAULT_LIMITS:
        limit = getattr(e, name)
        if limit is not None:
            check = _at_most if at_most else _at_least
            out.append(check(name, scope, float(limit), value(fault), fmt))
    if e.max_time_to_detect is not None:
        out.append(
            _at_most(
                "max_time_to_detect",
                scope,
                e.max_time_to_detect,
                m.time_to_detect,
                fmt_seconds,
                missing="no impact",
                missing_passes=True,
            )
        )
    if e.max_time_to_recover is not None:
        out.append(
            _at_most(
                "max_time_to_recover",
                scope,
                e.max_time_to_recover,
                m.time_to_recover,
                fmt_seconds,
                missing="never recovered",
            )
        )
    if e.recovers:
        ok = m.time_to_recover is not None
        out.append(
            Check(
                name="recovers",
                scope=scope,
                expected="recovers",
                observed=fmt_seconds(m.time_to_recover) if ok else "never recovered",
                verdict="pass" if ok else "fail",
            )
        )
    out.extend(_dr_checks(scenario, fault, scope))
    if e.lb_marks_down:
        ok = m.lb_down_after is not None
        out.append(
            Check(
                name="lb_marks_down",
                scope=scope,
                expected="LB marks it down",
                observed=f"after {fmt_seconds(m.lb_down_after)}" if ok else "never",
                verdict="pass" if ok else "fail",
                value=m.lb_down_after,
            )
        )
    return out

"""A scenario's measurement settings for assess(), built from the schema (the one place their
defaults live)."""

from __future__ import annotations

from harness.measure.assess import AssessSettings
from harness.measure.baseline import Tolerance
from harness.measure.evidence import EvidenceRules
from harness.scenario.schema import Scenario


def assess_settings(scenario: Scenario) -> AssessSettings:
    r, e = scenario.recovery, scenario.evidence
    return AssessSettings(
        tolerance=Tolerance(
            error_rate_abs=r.error_rate_tolerance,
            p95_factor=r.p95_factor,
            p95_slack=r.p95_slack,
            min_requests=r.min_requests,
            significance=r.significance,
        ),
        window=r.window,
        latency_slo=r.latency_slo,
        horizon=r.horizon,
        evidence=EvidenceRules(
            baseline_min_requests=e.baseline_min_requests,
            baseline_max_error_rate=e.baseline_max_error_rate,
            baseline_max_unsteady=e.baseline_max_unsteady,
            max_load_cpu=e.max_load_cpu,
            max_loop_lag=e.max_loop_lag,
            max_harness_lag=e.max_harness_lag,
            max_host_load=e.max_host_load,
            max_foreign_cpu=e.max_foreign_cpu,
        ),
    )

"""Ground truth: the harness's figures against what small foreign stacks logged about themselves.

Each stack under tests/stacks/ misbehaves in a way known by construction and writes the exact
moments (time.time(), the harness's clock) it failed to {state_dir}/truth.jsonl; each class here
brings one stack up, runs its scenario through the real runner (or the CLI) on the local
platform, and compares the record with that log — never with numbers typed here. Tolerances are
wide (the machine is shared) but wide around the truth. docs/metrics.md defines every figure;
tests/stacks/README.md describes the stacks.

Before each comparison the test checks that the stack really did what it is built to do (the
`stack:` assertions), so a failure says whether the stack or the harness was wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from harness.errors import InputError
from harness.platforms.local import LocalPlatform
from harness.record import io as record_io
from harness.record import model as rec
from harness.scenario.loader import load_file
from tests.stacks import running
from tests.stacks.starve import cpu_burners
from tests.stacks.truth import Event, Retried, Truth, observe, of, retried, served
from tests.verdicts import assert_status, assert_verdict, starved

from .conftest import leftovers, shopchaos

pytestmark = pytest.mark.integration

TOL = 0.5  # seconds around a timing truth: a shared 2-core machine


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Outcome:
    record: rec.RunRecord
    events: list[Event]
    returncode: int | None = None  # through the CLI
    output: str = ""

    @property
    def trial(self) -> rec.TrialRecord:
        (scenario,) = self.record.scenarios
        (trial,) = scenario.trials
        return trial

    def fault(self, fault_id: str) -> rec.FaultRecord:
        return next(f for f in self.trial.faults if f.id == fault_id)

    def at(self, relative: float | None) -> float:
        """A time of the record (relative to the trial's t0) on the apps' absolute clock."""
        assert relative is not None
        return self.trial.t0 + relative

    @property
    def end(self) -> float:
        phases = self.trial.phases
        assert phases is not None
        return self.at(phases.end)

    def truth_of(self, fault_id: str) -> Truth:
        """What the stack did from the fault's apply() call to the end of the trial."""
        return observe(self.events, self.at(self.fault(fault_id).t_apply_called), self.end)

    def checks(self, name: str) -> list[rec.Check]:
        found = [c for c in self.trial.checks if c.name == name]
        assert found, f"no check {name} in {[c.name for c in self.trial.checks]}"
        return found

    def evidence_codes(self) -> set[str]:
        return {e.code for e in self.trial.evidence}


@contextmanager
def stack(name: str, root: Path) -> Iterator[LocalPlatform]:
    with running.stack_up(name, root) as platform:
        yield platform
    assert leftovers(platform.state_dir) == []


def run_in_process(platform: LocalPlatform, name: str, scenario: str, reports: Path) -> Outcome:
    record = running.run_scenario(platform, name, scenario, reports)
    return Outcome(record, running.events(platform))


def near(value: float | None, truth: float | None, tol: float = TOL) -> bool:
    return value is not None and truth is not None and abs(value - truth) <= tol


def about(count: int, truth: int) -> bool:
    """A count of failed requests against the failed answers the app sent: the same requests,
    seen from both ends (a few may straddle the edge of a window)."""
    return abs(count - truth) <= max(5, 0.05 * truth)


# --------------------------------------------------------------------------- 1. cascade


class TestCascade:
    """Killing one of three replicas makes the others answer 500 from ~2.5 s later, for 3 s.

    Truth: impact ≈ [kill + 2.5 s, kill + 5.5 s], hundreds of errors, detect ≈ 2.5 s, recover
    ≈ 5.5 s from t_inject (a kill is self-healing); promises of 1 s and 10 errors broken, exit 1.
    """

    @pytest.fixture(scope="class")
    @classmethod
    def outcome(cls, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
        root = tmp_path_factory.mktemp("cascade")
        reports = root / "reports"
        with stack("cascade", root / "state") as platform:
            result = shopchaos(
                "run",
                str(running.scenario_file("cascade", "cascade-kill")),
                "--stack",
                str(running.stack_file("cascade")),
                "--seed",
                "1",
                "--keep-stack",
                state_dir=root / "state",
                reports=reports,
            )
            events = running.events(platform)
        record = record_io.read(next(reports.glob("*/record.json")))
        return Outcome(record, events, result.returncode, result.stdout + result.stderr)

    @pytest.fixture(scope="class")
    @classmethod
    def truth(cls, outcome: Outcome) -> Truth:
        truth = outcome.truth_of("kill-one")
        t_inject = outcome.at(outcome.fault("kill-one").t_inject)
        assert len(truth.bad) == 1, f"stack: one cascade after the kill, got {truth.bad}"
        start, end = truth.bad[0]
        assert 2.4 <= start - t_inject <= 3.0, f"stack: cascade {start - t_inject:.2f}s after"
        assert truth.errors >= 100, f"stack: only {truth.errors} failed answers in 3 s"
        assert truth.first_error is not None and truth.first_error >= start
        assert truth.last_error is not None and truth.last_error <= end
        return truth

    def test_errors_per_fault_count_the_whole_impact(self, outcome: Outcome, truth: Truth) -> None:
        m = outcome.fault("kill-one").metrics
        assert about(m.errors, truth.errors), f"errors {m.errors}, truth {truth.errors}"

    def test_every_user_was_affected(self, outcome: Outcome, truth: Truth) -> None:
        # every request failed for 3 s and each of the 6 users sends one every <= 50 ms
        m = outcome.fault("kill-one").metrics
        assert m.users_affected == 6, m

    def test_detection_is_the_first_failed_answer(self, outcome: Outcome, truth: Truth) -> None:
        f = outcome.fault("kill-one")
        expected = truth.detect_after(outcome.at(f.t_inject))
        assert near(f.metrics.time_to_detect, expected), (f.metrics.time_to_detect, expected)

    def test_recovery_is_the_end_of_the_cascade(self, outcome: Outcome, truth: Truth) -> None:
        f = outcome.fault("kill-one")
        m = f.metrics
        expected = truth.recover_after(outcome.at(f.t_inject))
        assert near(m.time_to_recover, expected), (m.time_to_recover, expected)
        assert m.time_to_detect is not None and m.time_to_recover is not None
        assert m.time_to_recover >= m.time_to_detect, "recovered before the impact began"
        assert m.recovery == "recovered"

    def test_impact_window_ends_where_the_cascade_ended(
        self, outcome: Outcome, truth: Truth
    ) -> None:
        m = outcome.fault("kill-one").metrics
        assert truth.first_error is not None and truth.misbehaved_until is not None
        assert m.impact_end is not None and m.impact_start is not None
        end = outcome.at(m.impact_end) - truth.misbehaved_until
        assert abs(end) <= TOL, f"impact ends {end:+.2f}s from the end of the cascade"
        start = outcome.at(m.impact_start) - truth.first_error
        assert start <= 0.05, f"impact starts {start:+.2f}s from the first failed answer"

    def test_promises_are_broken_and_the_run_exits_1(self, outcome: Outcome, truth: Truth) -> None:
        trial = outcome.trial
        checks = {c.name: c for c in trial.checks}
        assert_verdict(trial, checks.get("max_time_to_recover"), "fail")
        assert_verdict(trial, checks.get("max_errors_per_fault"), "fail")
        assert_status(trial, rec.Status.FAILED)
        expected = 6 if starved(trial) else 1  # never 0
        assert outcome.returncode == expected, outcome.output[-3000:]
        assert outcome.record.exit_code == expected


# --------------------------------------------------------------------------- 2. flapping


class TestFlapping:
    """The dependency is down for 2 s; after it is back the service flaps (fine, then 500 for
    0.5 s, a few times). Truth: recovery is the end of the last flap (≈ t_revert + 3 s; + 4 s
    with long gaps), not the first clean moment after the revert. With long gaps (fine 1.5 s)
    a whole clean window follows the revert, and the service fails again after it."""

    @pytest.fixture(scope="class", params=["flapping-dependency", "flapping-long-gaps"])
    @classmethod
    def outcome(
        cls, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
    ) -> Outcome:
        root = tmp_path_factory.mktemp(request.param)
        with stack("flapping", root / "state") as platform:
            return run_in_process(platform, "flapping", request.param, root / "reports")

    @pytest.fixture(scope="class")
    @classmethod
    def truth(cls, outcome: Outcome) -> Truth:
        truth = outcome.truth_of("inventory-down")
        t_revert = outcome.at(outcome.fault("inventory-down").t_revert)
        config = next(e for e in outcome.events if e["event"] == "start" and "count" in e)
        assert len(truth.bad) == config["count"], f"stack: flaps {truth.bad}, config {config}"
        first = truth.bad[0][0] - t_revert
        assert config["good"] - 0.1 <= first <= config["good"] + 0.5, f"stack: first flap {first}"
        assert truth.errors >= 50, f"stack: only {truth.errors} failed answers"
        return truth

    def test_recovery_is_the_end_of_the_last_flap(self, outcome: Outcome, truth: Truth) -> None:
        f = outcome.fault("inventory-down")
        expected = truth.recover_after(outcome.at(f.t_revert))
        assert near(f.metrics.time_to_recover, expected), (f.metrics.time_to_recover, expected)
        assert f.metrics.recovery == "recovered"

    def test_detection_is_at_once(self, outcome: Outcome, truth: Truth) -> None:
        f = outcome.fault("inventory-down")
        expected = truth.detect_after(outcome.at(f.t_inject))
        assert near(f.metrics.time_to_detect, expected, 0.3), (f.metrics.time_to_detect, expected)

    def test_errors_cover_the_outage_and_the_flaps(self, outcome: Outcome, truth: Truth) -> None:
        m = outcome.fault("inventory-down").metrics
        assert about(m.errors, truth.errors), f"errors {m.errors}, truth {truth.errors}"

    def test_the_promise_is_broken(self, outcome: Outcome, truth: Truth) -> None:
        (check,) = outcome.checks("max_time_to_recover")
        assert_verdict(outcome.trial, check, "fail")
        assert_status(outcome.trial, rec.Status.FAILED)


# --------------------------------------------------------------------------- 3. overlap


class TestOverlap:
    """A 6 s latency on pricing (every request fails on its timeout) and, 3 s into it, a kill
    whose cascade lasts until 1.3 s after the latency ends. Truth: the trial's impact counts
    each failed answer once; each fault shares errors with the other and names it."""

    @pytest.fixture(scope="class")
    @classmethod
    def outcome(cls, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
        root = tmp_path_factory.mktemp("overlap")
        with stack("overlap", root / "state") as platform:
            return run_in_process(platform, "overlap", "overlap", root / "reports")

    @pytest.fixture(scope="class")
    @classmethod
    def truth(cls, outcome: Outcome) -> Truth:
        latency, kill = outcome.fault("pricing-slow"), outcome.fault("kill-one")
        truth = outcome.truth_of("pricing-slow")
        whys = {e["why"] for e in of(outcome.events, "error", outcome.at(0.0), outcome.end)}
        assert whys == {"pricing", "cascade"}, f"stack: failed answers for {whys}"
        assert len(truth.bad) == 1, f"stack: one cascade after the kill, got {truth.bad}"
        start, end = truth.bad[0]
        assert outcome.at(kill.t_inject) < start < outcome.at(latency.t_revert) < end, (
            "stack: the cascade does not overlap the end of the latency"
        )
        return truth

    def test_the_trial_counts_each_failed_request_once(
        self, outcome: Outcome, truth: Truth
    ) -> None:
        impact = outcome.trial.impact
        assert about(impact.errors, truth.errors), f"impact {impact.errors}, truth {truth.errors}"
        both = [outcome.fault(i).metrics.errors for i in ("pricing-slow", "kill-one")]
        assert impact.errors < sum(both), f"shared errors counted twice: {impact.errors} {both}"

    def test_each_fault_counts_the_bad_units_of_its_span(
        self, outcome: Outcome, truth: Truth
    ) -> None:
        # the latency was still in force when the kill began, so its span runs to the end of
        # the trial and its impact covers the cascade too; the kill's starts at its apply()
        latency = outcome.fault("pricing-slow").metrics
        kill = outcome.fault("kill-one").metrics
        kill_truth = outcome.truth_of("kill-one")
        assert about(latency.errors, truth.errors), (latency.errors, truth.errors)
        assert about(kill.errors, kill_truth.errors), (kill.errors, kill_truth.errors)

    def test_each_fault_marks_what_it_shares(self, outcome: Outcome, truth: Truth) -> None:
        latency = outcome.fault("pricing-slow").metrics
        kill = outcome.fault("kill-one").metrics
        assert latency.shared_with == ["kill-one"]
        assert kill.shared_with == ["pricing-slow"]
        assert latency.shared_errors > 0 and kill.shared_errors > 0
        # the shared part is the same requests seen from either fault: the union counts it once
        assert latency.shared_errors == kill.shared_errors
        union = latency.errors + kill.errors - latency.shared_errors
        assert outcome.trial.impact.errors == union


# --------------------------------------------------------------------------- 4. no impact


class TestNoImpact:
    """Latency on a dependency only a background thread calls. Truth: the fault was in force
    (the app's background calls were slow) and no customer saw a failure."""

    @pytest.fixture(scope="class")
    @classmethod
    def outcome(cls, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
        root = tmp_path_factory.mktemp("noimpact")
        with stack("noimpact", root / "state") as platform:
            return run_in_process(platform, "noimpact", "no-impact", root / "reports")

    @pytest.fixture(scope="class")
    @classmethod
    def truth(cls, outcome: Outcome) -> Truth:
        f = outcome.fault("audit-slow")
        t_inject, t_revert = outcome.at(f.t_inject), outcome.at(f.t_revert)
        slow = of(outcome.events, "audit_slow", t_inject, outcome.end)
        assert any(e["start"] <= t_inject + 0.5 and e["end"] >= t_revert - 0.5 for e in slow), (
            f"stack: the background calls were not slow while the fault lasted: {slow}"
        )
        truth = observe(outcome.events, outcome.at(0.0), outcome.end)
        assert truth.errors == 0, f"stack: {truth.errors} failed answers"
        return truth

    def test_no_impact_is_reported(self, outcome: Outcome, truth: Truth) -> None:
        m = outcome.fault("audit-slow").metrics
        assert m.errors == 0
        assert m.time_to_detect is None
        assert m.recovery == "no_impact"
        assert m.time_to_recover == 0

    def test_the_promises_hold(self, outcome: Outcome, truth: Truth) -> None:
        trial = outcome.trial
        checks = {c.name: c for c in trial.checks}
        assert set(checks) == {"max_time_to_detect", "max_time_to_recover", "max_errors_per_fault"}
        for check in checks.values():
            assert_verdict(trial, check, "pass")
        assert_status(trial, rec.Status.PASSED)
        if not starved(trial):
            assert trial.evidence == []


# --------------------------------------------------------------------------- 5. slow


class TestSlow:
    """One customer, 300 ms a request (~3 req/s); a kill makes the survivors fail what they
    finish in the next 600 ms. Truth: the service was well again ~0.65 s after the kill; the
    harness must not report a multi-second recovery; its figure carries a resolution of about
    one request interval; the promise (600 ms) lies within it: inconclusive."""

    @pytest.fixture(scope="class")
    @classmethod
    def outcome(cls, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
        root = tmp_path_factory.mktemp("slow")
        with stack("slow", root / "state") as platform:
            return run_in_process(platform, "slow", "slow-kill", root / "reports")

    @pytest.fixture(scope="class")
    @classmethod
    def truth(cls, outcome: Outcome) -> Truth:
        truth = outcome.truth_of("kill-one")
        assert len(truth.bad) == 1, f"stack: one hiccup after the kill, got {truth.bad}"
        assert 1 <= truth.errors <= 4, f"stack: {truth.errors} failed answers in 600 ms"
        baseline = outcome.trial.baseline
        assert baseline is not None and 2.0 <= baseline.rps <= 4.5, "stack: not ~3 req/s"
        return truth

    def test_recovery_is_not_stretched_by_thin_windows(
        self, outcome: Outcome, truth: Truth
    ) -> None:
        f = outcome.fault("kill-one")
        m = f.metrics
        expected = truth.recover_after(outcome.at(f.t_inject))
        assert expected is not None
        assert m.time_to_recover is not None and m.time_to_recover < 2.0, m.time_to_recover
        assert m.recovery == "recovered"
        assert m.resolution_recover is not None
        # the figure, with its resolution, brackets the moment the service was well again
        assert m.time_to_recover - TOL <= expected <= m.time_to_recover + m.resolution_recover + TOL

    def test_the_resolution_follows_the_rate(self, outcome: Outcome, truth: Truth) -> None:
        m = outcome.fault("kill-one").metrics
        # about one request interval at ~3 req/s: hundreds of ms, not a widened window's seconds
        assert m.resolution_recover is not None and 0.05 <= m.resolution_recover <= 1.0
        assert m.resolution_detect is not None and 0.0 <= m.resolution_detect <= 1.0

    def test_detection_is_when_the_first_failed_answer_arrived(
        self, outcome: Outcome, truth: Truth
    ) -> None:
        """The first failure is often a request in flight at the kill (started before it):
        detection must not wait for the next request, 300 ms later."""
        f = outcome.fault("kill-one")
        expected = truth.detect_after(outcome.at(f.t_inject))
        assert expected is not None and f.metrics.time_to_detect is not None
        assert abs(f.metrics.time_to_detect - expected) <= 0.1, (f.metrics, expected)

    def test_errors_are_the_hiccup(self, outcome: Outcome, truth: Truth) -> None:
        m = outcome.fault("kill-one").metrics
        # plus at most the request in flight on the killed replica, if HAProxy could not retry it
        assert truth.errors <= m.errors <= truth.errors + 1, (m.errors, truth.errors)

    def test_the_lb_routes_around_within_its_checks(self, outcome: Outcome, truth: Truth) -> None:
        m = outcome.fault("kill-one").metrics
        assert m.lb_down_after is not None and m.lb_down_after <= 1.5

    def test_a_limit_within_the_resolution_is_inconclusive(
        self, outcome: Outcome, truth: Truth
    ) -> None:
        f = outcome.fault("kill-one")
        expected = truth.recover_after(outcome.at(f.t_inject))
        (check,) = outcome.checks("max_time_to_recover")
        baseline = outcome.trial.baseline
        assert expected is not None and baseline is not None
        # stack: the truth lies within one request interval of the 600 ms limit
        assert abs(expected - 0.6) < 1 / baseline.rps, (expected, baseline.rps)
        assert check.verdict == "inconclusive", check
        assert check.reason
        assert outcome.trial.status == "inconclusive"


# --------------------------------------------------------------------------- 6. retry


PRECISE = 0.2  # seconds: the retry trial's recovery is known to within this (the truth says so)


class TestRetry:
    """30 customers, 1 s a request, two replicas; one is killed and HAProxy retries the
    requests it held on the other. Truth: no failed answer; the requests in flight on the
    killed replica were answered by the survivor about 1 s after the kill, their customers
    having waited up to 2 s. The impact lies only in requests started before the fault: a
    first unit that held requests by start alone read 'no impact' and the promise passed."""

    @pytest.fixture(scope="class")
    @classmethod
    def outcome(cls, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
        """A trial whose recovery is known precisely, in at most two: the harness reads how
        precisely from the gap between request starts there, and a stall of the load
        generator on a busy machine leaves a gap (0.55 s in a CI run, 2026-12-01). Then the
        500 ms promise cannot be judged and the trial is rightly inconclusive, which is not
        what this class tests; coarse every time, the tests below fail."""
        root = tmp_path_factory.mktemp("retry")
        for attempt in range(2):
            with stack("retry", root / f"state-{attempt}") as platform:
                out = run_in_process(platform, "retry", "retry-kill", root / f"reports-{attempt}")
            res = out.fault("kill-one").metrics.resolution_recover
            if res is not None and res < PRECISE:
                break
        return out

    @pytest.fixture(scope="class")
    @classmethod
    def moved(cls, outcome: Outcome) -> list[Retried]:
        f = outcome.fault("kill-one")
        t_inject = outcome.at(f.t_inject)
        moved = retried(outcome.events, "retry-2", outcome.at(f.t_apply_called), outcome.end)
        assert len(moved) >= 5, f"stack: {len(moved)} requests retried on the survivor"
        assert all(r.sent < t_inject for r in moved), "stack: a retried request sent after"
        late = [r.answered - t_inject for r in moved]
        assert min(late) >= 0.8 and max(late) <= 1.5, f"stack: answered {late} s after the kill"
        assert of(outcome.events, "error", 0, outcome.end) == [], "stack: a failed answer"
        baseline = outcome.trial.baseline
        assert baseline is not None and 20 <= baseline.rps <= 32, "stack: not ~30 req/s"
        return moved

    def test_the_fault_had_an_impact_and_no_errors(
        self, outcome: Outcome, moved: list[Retried]
    ) -> None:
        m = outcome.fault("kill-one").metrics
        assert m.recovery == "recovered", m
        assert m.errors == 0

    def test_detection_is_when_the_retried_requests_were_answered(
        self, outcome: Outcome, moved: list[Retried]
    ) -> None:
        f = outcome.fault("kill-one")
        expected = moved[0].answered - outcome.at(f.t_inject)
        assert near(f.metrics.time_to_detect, expected), (f.metrics.time_to_detect, expected)

    def test_recovery_is_when_the_last_retried_request_was_answered(
        self, outcome: Outcome, moved: list[Retried]
    ) -> None:
        f = outcome.fault("kill-one")
        m = f.metrics
        expected = moved[-1].answered - outcome.at(f.t_inject)
        assert near(m.time_to_recover, expected), (m.time_to_recover, expected)
        assert m.settle == "no_impact"  # the restarted replica did no harm; nor did the tail

    def test_the_promise_is_broken(self, outcome: Outcome, moved: list[Retried]) -> None:
        """Known precisely: the moment the retried requests were answered, not to within a
        good request's 1 s (which would make a 500 ms limit inconclusive)."""
        trial = outcome.trial
        (check,) = outcome.checks("max_time_to_recover")
        m = outcome.fault("kill-one").metrics
        assert m.resolution_recover is not None and m.resolution_recover < PRECISE, m
        assert_verdict(trial, check, "fail")
        assert_status(trial, rec.Status.FAILED)


# --------------------------------------------------------------------------- 6. evidence


class TestEvidence:
    """Trials whose evidence cannot carry a verdict: a starved machine, no requests at all, an
    unhealthy baseline. None may pass; each is inconclusive and says why."""

    @pytest.fixture(scope="class")
    @classmethod
    def platform(cls, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPlatform]:
        with stack("evidence", tmp_path_factory.mktemp("evidence") / "state") as platform:
            yield platform

    def test_a_starved_machine_is_inconclusive(
        self, platform: LocalPlatform, tmp_path: Path
    ) -> None:
        psutil.cpu_percent(interval=None)
        with cpu_burners(count=5, seconds=45):
            outcome = run_in_process(platform, "evidence", "starved", tmp_path)
            busy = psutil.cpu_percent(interval=None)
        assert busy >= 90, f"stack: the machine was only {busy:.0f} % busy"
        assert outcome.trial.status == "inconclusive", outcome.trial.status
        assert "saturated" in outcome.evidence_codes(), outcome.trial.evidence
        # every promise here is about timing or customer impact: none can be judged
        assert all(c.verdict == "inconclusive" for c in outcome.trial.checks), [
            (c.name, c.verdict) for c in outcome.trial.checks
        ]

    def test_a_million_users_is_refused_where_it_is_written(self, platform: LocalPlatform) -> None:
        """The issue's million users, which measured nothing and passed: now the file itself
        is refused, at its line, before anything runs."""
        with pytest.raises(InputError) as exc:
            load_file(running.scenario_file("evidence", "crowd"), platform.spec)
        paths = {(p.path, p.line) for p in exc.value.problems}
        assert ("load.users", 7) in paths, exc.value.problems

    def test_a_trial_without_requests_cannot_pass(
        self, platform: LocalPlatform, tmp_path: Path
    ) -> None:
        outcome = run_in_process(platform, "evidence", "silent", tmp_path)
        ok, failed = served(outcome.events, outcome.at(0.0), outcome.end)
        assert ok + failed == 0, f"stack: the app answered {ok + failed} requests"
        assert outcome.trial.status == "inconclusive", outcome.trial.status
        assert "no_requests" in outcome.evidence_codes(), outcome.trial.evidence
        assert all(c.verdict == "inconclusive" for c in outcome.trial.checks), [
            (c.name, c.verdict) for c in outcome.trial.checks
        ]

    def test_an_unhealthy_baseline_is_inconclusive(
        self, platform: LocalPlatform, tmp_path: Path
    ) -> None:
        outcome = run_in_process(platform, "evidence", "unhealthy-baseline", tmp_path)
        phases = outcome.trial.phases
        assert phases is not None
        ok, failed = served(
            outcome.events, outcome.at(phases.warmup_end), outcome.at(phases.baseline_end)
        )
        assert ok + failed > 100 and 0.4 <= failed / (ok + failed) <= 0.6, (
            f"stack: baseline {failed} of {ok + failed} failed"
        )
        assert outcome.trial.status == "inconclusive", outcome.trial.status
        assert "unhealthy_baseline" in outcome.evidence_codes(), outcome.trial.evidence

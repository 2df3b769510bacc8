"""What a trial observed, frozen: the one input of assess() (docs/metrics.md, the pipeline).

run_trial() returns a TrialObservations however the trial ended (normally, aborted, failed,
interrupted); nothing is filled in later. Times are absolute (time.time()).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from harness.faults.meta import FaultMeta
from harness.load.wire import LedgerEntry
from harness.measure.probe_results import HEALTH, ProbeObservation
from harness.measure.timeline import BackendEvent, FaultWindow, ProbeSample, RequestRecord


@dataclass(frozen=True)
class PhaseTimes:
    t0: float
    warmup_end: float
    baseline_end: float
    faults_end: float
    end: float


@dataclass(frozen=True)
class FaultObservation:
    meta: FaultMeta
    t_apply_called: float | None = None
    t_inject: float | None = None
    t_revert_called: float | None = None
    t_revert: float | None = None
    apply_error: str | None = None
    revert_error: str | None = None
    details: Mapping[str, float | int | str] = field(default_factory=dict)

    def window(self) -> FaultWindow | None:
        """The fault's window for measurement, or None if it never came into force."""
        if self.t_apply_called is None or self.t_inject is None or self.apply_error:
            return None
        return FaultWindow(
            fault_id=self.meta.id,
            kind=self.meta.kind,
            target=self.meta.target,
            t_apply_called=self.t_apply_called,
            t_inject=self.t_inject,
            t_revert_called=self.t_revert_called,
            t_revert=self.t_revert,
            self_healing=self.meta.self_healing,
        )


@dataclass(frozen=True)
class RollbackEntry:
    fault: str
    t: float
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class HostSample:
    """The machine every 0.5 s: is it able to measure? (docs/metrics.md, evidence)"""

    t: float
    cpu_busy: float  # share of all cores busy since the previous sample, 0..1
    steal: float  # share stolen by the hypervisor, 0..1
    load_per_core: float  # 1-minute load average / cores
    load_cpu: float  # the load process(es)' CPU since the previous sample, in cores
    harness_lag: float  # how late the sampler itself woke up (s)
    foreign_cpu: float = 0.0  # cores busy with what is not ours (not the harness, load, stack)


@dataclass(frozen=True)
class LagSample:
    """The load process's event loop: p99 of how late its 0.1 s ticks woke, over one second."""

    t: float
    lag: float
    source: str = "load"


@dataclass(frozen=True)
class TrialObservations:
    seed: int
    started_at: float
    finished_at: float
    users: int  # asked for by the scenario
    phases: PhaseTimes | None = None  # None: the load never started
    requests: tuple[RequestRecord, ...] = ()  # sorted by start time
    ledger: tuple[LedgerEntry, ...] = ()
    faults: tuple[FaultObservation, ...] = ()
    backend_events: tuple[BackendEvent, ...] = ()
    probes: tuple[ProbeObservation, ...] = ()  # every probe's samples, the health probe's too
    host: tuple[HostSample, ...] = ()
    lags: tuple[LagSample, ...] = ()
    abort: tuple[float, str] | None = None
    rollbacks: tuple[RollbackEntry, ...] = ()
    errors: tuple[str, ...] = ()
    interrupted: str | None = None  # "SIGINT", "SIGTERM", ...: the trial did not finish

    @property
    def probe(self) -> tuple[ProbeSample, ...]:
        """The built-in health probe's samples (the recovery math's probe figures)."""
        for p in self.probes:
            if p.meta.id == HEALTH:
                return p.as_probe_samples()
        return ()

    @property
    def end(self) -> float:
        """The end of what was measured: the abort, an interruption, or the planned end."""
        if self.phases is None:
            return self.finished_at
        if self.abort is not None:
            return self.abort[0]
        if self.interrupted is not None:
            return min(self.phases.end, self.finished_at)
        return self.phases.end

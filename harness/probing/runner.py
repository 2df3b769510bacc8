"""Run a trial's probes: one thread per probe, sampling every `every` while the trial is in
one of the probe's phases (the built-in health probe samples throughout, as the entry probe
always did), each sample kept on the trial's clock and sent to the event stream."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any

from harness.callables import CallableError, endpoints_dict, stack_configuration
from harness.errors import InputError, Problem
from harness.events import NO_EVENTS, EventSink
from harness.httpcall.spec import RequestSpec
from harness.load.wire import LedgerEntry
from harness.measure.observations import PhaseTimes
from harness.measure.probe_results import HEALTH, PHASES, ProbeMeta, ProbeObservation, ProbeResult
from harness.platforms.base import Endpoints
from harness.probes import Poller
from harness.probing.executors import Executor, HttpExecutor, make_executor
from harness.probing.spec import AnyProbe, HttpProbe, JourneyProbe

HEALTH_EVERY = 0.05
HEALTH_TIMEOUT = 1.0


class PhaseClock:
    """Which phase the trial is in now; the trial sets its phase times once the load runs (and
    again when a slow fault action pushes observation)."""

    def __init__(self) -> None:
        self._phases: PhaseTimes | None = None

    def set(self, phases: PhaseTimes) -> None:
        self._phases = phases

    def phase_at(self, t: float) -> str | None:
        p = self._phases
        if p is None or t < p.t0 or t >= p.end:
            return None
        if t < p.warmup_end:
            return "warm-up"
        if t < p.baseline_end:
            return "baseline"
        return "faults" if t < p.faults_end else "observe"


class ProbeThread(Poller):
    def __init__(
        self,
        meta: ProbeMeta,
        executor: Executor,
        clock: PhaseClock,
        events: EventSink,
        *,
        always: bool = False,
    ) -> None:
        super().__init__(meta.every, f"probe-{meta.id}")
        self.meta = meta
        self.executor = executor
        self.clock = clock
        self.events = events
        self.always = always
        self.samples: list[ProbeResult] = []
        self.ledger: list[LedgerEntry] = []
        self._n = 0
        self._lock = threading.Lock()

    def poll(self) -> None:
        if not self.always and self.clock.phase_at(_now()) not in self.meta.phases:
            return
        result, ledger = self.executor.run(self._n)
        self._n += 1
        with self._lock:
            before = self.samples[-1].ok if self.samples else None
            self.samples.append(result)
            self.ledger.extend(ledger)
        if self.meta.judged or before != result.ok:
            self.events.emit(
                "probe",
                probe=self.meta.id,
                sample_t=round(result.t, 6),
                ok=result.ok,
                duration=round(result.duration, 6),
                status=result.status,
                error=result.error,
                phase=self.clock.phase_at(result.t),
            )

    def stop(self) -> None:
        super().stop()
        self.executor.close()

    def observed(self) -> ProbeObservation:
        with self._lock:
            return ProbeObservation(self.meta, tuple(self.samples))


def _now() -> float:
    return time.time()


def _timed(spec: AnyProbe) -> bool:
    """A latency limit: a starved machine can fail it, so its verdict needs a fit machine."""
    if isinstance(spec, JourneyProbe):
        return spec.max_latency is not None or any(s.max_latency is not None for s in spec.steps)
    if isinstance(spec, HttpProbe):
        return spec.max_latency is not None
    return False


def health_probe(endpoints: Endpoints, path: str) -> tuple[ProbeMeta, HttpExecutor]:
    """The built-in probe: GET the health path through the load balancer every 50 ms; a
    failure is a transport error or a status >= 500 (docs/metrics.md, "probe"). Measured,
    never judged."""
    spec = RequestSpec(path=path, timeout=HEALTH_TIMEOUT, status="<500")
    executor = HttpExecutor(spec, endpoints)
    meta = ProbeMeta(
        id=HEALTH,
        type="http",
        target=executor.target,
        every=HEALTH_EVERY,
        phases=PHASES,
        judged=False,
        description="the built-in health probe through the load balancer",
    )
    return meta, executor


def probe_meta(spec: AnyProbe, target: str) -> ProbeMeta:
    return ProbeMeta(
        id=spec.id,
        type=spec.type,
        target=target,
        every=spec.every,
        phases=spec.run_phases(),
        min_samples=spec.min_samples,
        min_success=spec.min_success,
        judged=True,
        timed=_timed(spec),
        description=spec.description,
    )


class ProbeSet:
    """Every probe of a trial: built (and checked against the stack) up front, started and
    stopped together."""

    def __init__(
        self,
        probes: Sequence[AnyProbe],
        endpoints: Endpoints,
        *,
        health_path: str,
        clock: PhaseClock,
        events: EventSink = NO_EVENTS,
        configuration: Mapping[str, Any] | None = None,
        secrets: Mapping[str, Any] | None = None,
    ) -> None:
        meta, health = health_probe(endpoints, health_path)
        self.threads = [ProbeThread(meta, health, clock, events, always=True)]
        self.threads.extend(
            ProbeThread(probe_meta(spec, ex.target), ex, clock, events)
            for spec, ex in zip(
                probes,
                build_executors(probes, endpoints, configuration or {}, secrets or {}),
                strict=True,
            )
        )

    def __enter__(self) -> ProbeSet:
        for t in self.threads:
            t.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        for thread in self.threads:
            thread.stop()

    def observed(self) -> tuple[ProbeObservation, ...]:
        return tuple(t.observed() for t in self.threads)

    def ledger(self) -> list[LedgerEntry]:
        return [e for t in self.threads for e in t.ledger]


def build_executors(
    probes: Sequence[AnyProbe],
    endpoints: Endpoints,
    configuration: Mapping[str, Any],
    secrets: Mapping[str, Any],
) -> list[Executor]:
    """An executor per probe, its addresses resolved against the stack (the network rule) and
    its python function imported; every problem at once, located by the probe's index."""
    data = endpoints_dict(endpoints)
    out: list[Executor] = []
    problems: list[Problem] = []
    for i, spec in enumerate(probes):
        try:
            out.append(
                make_executor(
                    spec,
                    endpoints,
                    endpoints_data=data,
                    configuration=stack_configuration(endpoints, configuration),
                    secrets=secrets,
                )
            )
        except ValueError as e:
            problems.append(Problem(f"probes[{i}]", f"{spec.id}: {e}"))
        except CallableError as e:
            problems.append(Problem(f"probes[{i}]", f"{spec.id}: {e.message}", hint=e.hint))
    if problems:
        for ex in out:
            ex.close()
        raise InputError(None, problems)
    return out

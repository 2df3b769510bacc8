"""What one sample of each kind of probe does: an http request, a journey of requests, a
python function. Each returns a ProbeResult (and, for journeys with ledger steps, the
checkouts it made, for reconciliation)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Protocol

import requests

from harness.callables import CallableError, Injected, call, keyword_arguments, resolve
from harness.httpcall.network import base_url, local_session
from harness.httpcall.send import Answer, PooledClient, send
from harness.httpcall.spec import RequestSpec
from harness.load.wire import LedgerEntry, LedgerKind
from harness.measure.probe_results import ProbeResult
from harness.platforms.base import Endpoints
from harness.probing.spec import HttpProbe, JourneyProbe, JourneyStep, PythonProbe
from harness.probing.templates import TemplateProblem, render_text, render_value
from harness.tolerance import select, short

PROBE_USER = -1  # the ledger's user id for checkouts a probe made


class Executor(Protocol):
    target: str

    def run(self, n: int) -> tuple[ProbeResult, list[LedgerEntry]]: ...

    def close(self) -> None: ...


def resolve_url(endpoints: Endpoints, spec: RequestSpec) -> str:
    """The base of the request (raises ValueError when it breaks the network rule)."""
    return base_url(endpoints, service=spec.service, url=spec.url)


def _result(a: Answer, *, value: str | None = None) -> ProbeResult:
    return ProbeResult(a.t, a.duration, a.ok, a.status, value, a.failure)


class HttpExecutor:
    def __init__(self, spec: RequestSpec, endpoints: Endpoints) -> None:
        self.spec = spec
        self.url = resolve_url(endpoints, spec) + (spec.path or "")
        self.target = f"{spec.method} {self.url}"
        self.client = PooledClient(self.url)

    def run(self, n: int) -> tuple[ProbeResult, list[LedgerEntry]]:
        return _result(self.client.send(self.spec, self.url)), []

    def close(self) -> None:
        self.client.close()


class JourneyExecutor:
    def __init__(self, spec: JourneyProbe, endpoints: Endpoints) -> None:
        self.spec = spec
        self.bases = {s.id: resolve_url(endpoints, s) for s in spec.steps}
        first = spec.steps[0]
        self.target = f"{len(spec.steps)} steps from {first.method} {self.bases[first.id]}"

    def run(self, n: int) -> tuple[ProbeResult, list[LedgerEntry]]:
        started = time.time()
        context: dict[str, Any] = {
            "steps": {},
            "sample": {"n": n, "uid": uuid.uuid4().hex, "t": started},
            "probe": {"id": self.spec.id},
        }
        ledger: list[LedgerEntry] = []
        session = local_session()  # a customer's own cookies, per journey
        status = 0
        try:
            for step in self.spec.steps:
                a, entries = self._step(session, step, context)
                ledger.extend(entries)
                status = a.status
                if not a.ok:
                    return self._done(
                        started, False, status, step.id, f"{step.id}: {a.failure}"
                    ), ledger
        except TemplateProblem as e:
            return self._done(started, False, status, None, str(e)), ledger
        finally:
            session.close()
        took = time.time() - started
        limit = self.spec.max_latency
        if limit is not None and took > limit:
            why = f"journey took {took * 1000:.0f} ms, limit {limit * 1000:.0f} ms"
            return self._done(started, False, status, None, why), ledger
        return self._done(started, True, status, None, None), ledger

    def close(self) -> None:
        return None

    def _done(
        self, started: float, ok: bool, status: int, step: str | None, error: str | None
    ) -> ProbeResult:
        return ProbeResult(started, time.time() - started, ok, status, step, error)

    def _step(
        self, session: requests.Session, step: JourneyStep, context: dict[str, Any]
    ) -> tuple[Answer, list[LedgerEntry]]:
        path = render_text(step.path or "", context)
        url = self.bases[step.id] + path
        headers = {k: render_text(v, context) for k, v in step.headers.items()}
        params = {k: render_text(v, context) for k, v in step.params.items()}
        body = render_value(step.json_body, context)
        data = render_text(step.data, context) if step.data is not None else None
        ledger: list[LedgerEntry] = []
        key = render_text(step.ledger.key, context) if step.ledger else ""
        if step.ledger:
            ledger.append(
                LedgerEntry(time.time(), "attempt", key, None, 0, PROBE_USER, self.spec.id)
            )
        a = send(session, step, url, params=params, headers=headers, json_body=body, data=data)
        context["steps"][step.id] = {
            "status": a.status,
            "json": a.json,
            "text": a.text,
            "headers": a.headers,
            "duration": a.duration,
        }
        if step.ledger:
            found = select(step.ledger.order_id, a.json) if a.json is not None else []
            order = str(found[0]) if found and found[0] is not None else None
            event: LedgerKind = "ack" if a.ok and order is not None else "fail"
            ledger.append(
                LedgerEntry(time.time(), event, key, order, a.status, PROBE_USER, self.spec.id)
            )
        return a, ledger


class PythonExecutor:
    def __init__(
        self,
        spec: PythonProbe,
        endpoints: Mapping[str, Any],
        configuration: Mapping[str, Any],
        secrets: Mapping[str, Any],
    ) -> None:
        self.spec = spec
        self.target = spec.function
        fn: Callable[..., Any] = resolve(spec.function)
        injected = Injected(endpoints, spec.arguments, configuration, secrets)
        self.fn = fn
        self.kwargs = keyword_arguments(fn, spec.arguments, injected)

    def run(self, n: int) -> tuple[ProbeResult, list[LedgerEntry]]:
        t = time.time()
        try:
            value = call(
                self.fn, self.kwargs, timeout=self.spec.timeout, what=f"probe {self.spec.id}"
            )
        except CallableError as e:
            return ProbeResult(t, time.time() - t, False, 0, None, e.message[:300]), []
        took = time.time() - t
        why = self.spec.tolerance.failure(value) if self.spec.tolerance else None
        return ProbeResult(t, took, why is None, 0, short(value), why), []

    def close(self) -> None:
        return None


def make_executor(
    spec: HttpProbe | JourneyProbe | PythonProbe,
    endpoints: Endpoints,
    *,
    endpoints_data: Mapping[str, Any],
    configuration: Mapping[str, Any],
    secrets: Mapping[str, Any],
) -> Executor:
    if isinstance(spec, JourneyProbe):
        return JourneyExecutor(spec, endpoints)
    if isinstance(spec, PythonProbe):
        return PythonExecutor(spec, endpoints_data, configuration, secrets)
    return HttpExecutor(spec, endpoints)

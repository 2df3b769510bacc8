"""The `probes:` block of a scenario: http, journey and python probes (docs/scenarios.md).

Each probe runs every `every` in the phases it names and is a promise: in each of those phases
at least `min_success` of its samples pass, judged on at least `min_samples` samples (fewer:
inconclusive). The built-in health probe (id `health`) is not declared here.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator, model_validator

from harness.httpcall.spec import RequestSpec
from harness.measure.probe_results import HEALTH, PHASES
from harness.probing.templates import check_template, step_references
from harness.scenario.durations import Duration
from harness.tolerance import ValueCheck

Phase = Literal["baseline", "faults", "observe"]
_ID = r"^[A-Za-z0-9_.-]{1,40}$"
_FUNCTION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class _Probe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    id: str = Field(pattern=_ID, description="names the probe in reports and events")
    description: str = ""
    every: Duration = Field(default=1.0, ge=0.05, description="the interval between samples")
    phases: list[Phase] | Literal["all"] = Field(
        default="all", description="baseline, faults, observe, or all"
    )
    min_samples: PositiveInt = Field(default=3, description="per phase, for a verdict")
    min_success: float = Field(
        default=1.0, ge=0, le=1, description="share of samples that must pass, per phase"
    )

    @field_validator("id")
    @classmethod
    def _not_builtin(cls, v: str) -> str:
        if v == HEALTH:
            raise ValueError(f"'{HEALTH}' is the built-in health probe's id; pick another")
        return v

    def run_phases(self) -> tuple[str, ...]:
        return PHASES if self.phases == "all" else tuple(p for p in PHASES if p in self.phases)


class HttpProbe(_Probe, RequestSpec):
    """One request; passes when its status, latency and JSON checks are as expected."""

    type: Literal["http"]

    @model_validator(mode="after")
    def _no_templates(self) -> HttpProbe:
        for text in _texts(self):
            if "{{" in text:
                raise ValueError("templates ({{ ... }}) are for journeys; an http probe is fixed")
        return self


class LedgerSpec(BaseModel):
    """A journey step that is a checkout: it goes into the trial's client ledger, so
    reconciliation judges the probe's orders like the customers' (no phantom orders)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="the idempotency key sent (a template)")
    order_id: str = Field(default="$.order_id", description="JSONPath of the order id")


class JourneyStep(RequestSpec):
    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,39}$", description="steps.<id> later")
    ledger: LedgerSpec | None = None

    @model_validator(mode="after")
    def _templates_parse(self) -> JourneyStep:
        for text in _texts(self):
            check_template(text)
        if self.ledger is not None:
            check_template(self.ledger.key)
        return self


class JourneyProbe(_Probe):
    """A short sequence of requests; values carried from one step to the next with templates
    (`{{ steps.cart.json.cart_id }}`, `{{ sample.uid }}`). Passes when every step does and the
    whole journey fits in `max_latency`."""

    type: Literal["journey"]
    steps: list[JourneyStep] = Field(min_length=1, max_length=12)
    max_latency: Duration | None = Field(default=None, gt=0, description="for the whole journey")

    @model_validator(mode="after")
    def _references(self) -> JourneyProbe:
        seen: list[str] = []
        for i, step in enumerate(self.steps):
            if step.id in seen:
                raise ValueError(f"steps[{i}]: id '{step.id}' is used twice")
            texts = [*_texts(step), *([step.ledger.key] if step.ledger else [])]
            for ref in sorted({r for t in texts for r in step_references(t)}):
                if ref not in seen:
                    later = " (a later step)" if ref in [s.id for s in self.steps] else ""
                    raise ValueError(
                        f"steps[{i}] ({step.id}) uses steps.{ref}{later}: only the steps "
                        f"before it can be referred to ({', '.join(seen) or 'none'})"
                    )
            seen.append(step.id)
        return self


class PythonProbe(_Probe):
    """`module:function` called with `arguments` (and, when it asks for them, `endpoints`,
    `configuration`, `secrets`); its return value is checked against `tolerance` (none: it
    passes when it returns without raising)."""

    type: Literal["python"]
    function: str = Field(description="module:function, importable")
    arguments: dict[str, Any] = Field(default_factory=dict)
    tolerance: ValueCheck | None = None
    timeout: Duration = Field(default=5.0, gt=0, le=120)

    @field_validator("function")
    @classmethod
    def _shape(cls, v: str) -> str:
        if not _FUNCTION.match(v):
            raise ValueError(f"'{v}' is not module:function (e.g. mychecks.stock:level)")
        return v


AnyProbe = Annotated[HttpProbe | JourneyProbe | PythonProbe, Field(discriminator="type")]


def _texts(req: RequestSpec) -> list[str]:
    out = [req.path or "", req.data or "", *req.params.values(), *req.headers.values()]
    out.extend(_strings(req.json_body))
    return [t for t in out if t]


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []

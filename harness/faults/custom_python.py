"""`python`: a function to apply the fault and one to revert it (`module:function`).

Each is called with its `arguments` and, when its signature names them, `endpoints` (the
stack's addresses), `options` (the fault's `options:`), `configuration` and `secrets` - so a
Chaos Toolkit extension's function (keyword arguments `configuration`, `secrets`) is called as
it is. `configuration` is the scenario's block over defaults that name the stack
(`toxiproxy_host`, `toxiproxy_port`, `entry_url`), so the Chaos Toolkit's Toxiproxy driver
finds this stack's Toxiproxy. harness/callables.py has the calling rules and the deadline.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from harness.callables import (
    CallableError,
    Injected,
    call,
    endpoints_dict,
    keyword_arguments,
    stack_configuration,
)
from harness.callables import resolve as resolve_function
from harness.errors import FaultError
from harness.faults._custom import CustomSpec, JournaledFault
from harness.faults.base import FaultContext
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register
from harness.scenario.durations import Duration

_FUNCTION = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")


class PythonCall(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    function: str = Field(description="module:function, importable")
    arguments: dict[str, Any] = Field(default_factory=dict)

    @field_validator("function")
    @classmethod
    def _shape(cls, v: str) -> str:
        if not _FUNCTION.match(v):
            raise ValueError(f"'{v}' is not module:function (e.g. chaostoxi.toxic.actions:x)")
        return v


class PythonFaultSpec(CustomSpec):
    type: Literal["python"]
    apply: PythonCall
    revert: PythonCall | None = None
    options: dict[str, Any] = Field(
        default_factory=dict, description="given to functions that take `options`"
    )
    timeout: Duration = Field(default=30.0, gt=0, le=600, description="per call")


def _prepared(
    call_spec: PythonCall, spec: PythonFaultSpec, ctx: FaultContext
) -> tuple[Any, dict[str, Any]]:
    try:
        fn = resolve_function(call_spec.function)
        injected = Injected(
            endpoints_dict(ctx.endpoints),
            spec.options,
            stack_configuration(ctx.endpoints, ctx.configuration),
            ctx.secrets,
        )
        return fn, keyword_arguments(fn, call_spec.arguments, injected)
    except CallableError as e:
        raise FaultError(e.message, hint=e.hint) from e


def python_targets(spec: PythonFaultSpec, ctx: FaultContext) -> Targets:
    """Imports both functions and checks their arguments bind; calls nothing."""
    _prepared(spec.apply, spec, ctx)
    if spec.revert is not None:
        _prepared(spec.revert, spec, ctx)
    return Targets(spec.target or spec.apply.function)


class PythonFault(JournaledFault):
    def __init__(self, spec: PythonFaultSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        super().__init__(spec, ctx, meta)
        self.py_spec = spec
        self.has_revert = spec.revert is not None

    def _call(self, what: str, call_spec: PythonCall) -> None:
        fn, kwargs = _prepared(call_spec, self.py_spec, self.ctx)
        try:
            call(fn, kwargs, timeout=self.py_spec.timeout, what=f"{what} {self.meta.id}")
        except CallableError as e:
            raise FaultError(e.message) from e

    def _apply(self) -> None:
        self._call("apply", self.py_spec.apply)

    def _revert(self) -> None:
        if self.py_spec.revert is not None:
            self._call("revert", self.py_spec.revert)


@register(
    "python",
    "custom",
    PythonFaultSpec,
    "a Python function to apply, another to revert (Chaos Toolkit extensions as they are)",
    self_healing=False,
    targets=python_targets,
)
def build_python(spec: PythonFaultSpec, ctx: FaultContext, meta: FaultMeta) -> PythonFault:
    return PythonFault(spec, ctx, meta)

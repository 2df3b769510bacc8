"""`http`: a request to apply the fault and one to revert it, to the stack's own endpoints or
Toxiproxy's API (`service: toxiproxy`), loopback only (harness/httpcall/network.py). A request
whose answer is not the expected status is a failed apply (or revert)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from harness.errors import FaultError
from harness.faults._custom import CustomSpec, JournaledFault
from harness.faults.base import FaultContext
from harness.faults.meta import FaultMeta
from harness.faults.registry import Targets, register
from harness.httpcall.network import base_url
from harness.httpcall.send import PooledClient
from harness.httpcall.spec import RequestSpec


class HttpFaultSpec(CustomSpec):
    type: Literal["http"]
    apply: RequestSpec = Field(description="the request that applies it")
    revert: RequestSpec | None = Field(default=None, description="the request that reverts it")


def _url(req: RequestSpec, ctx: FaultContext) -> str:
    try:
        base = base_url(ctx.endpoints, service=req.service, url=req.url, toxiproxy=True)
    except ValueError as e:
        raise FaultError(str(e)) from e
    return base + (req.path or "")


def http_targets(spec: HttpFaultSpec, ctx: FaultContext) -> Targets:
    """Resolves (and so checks) both addresses against the stack; sends nothing."""
    url = _url(spec.apply, ctx)
    if spec.revert is not None:
        _url(spec.revert, ctx)
    return Targets(spec.target or f"{spec.apply.method} {url}")


class HttpFault(JournaledFault):
    def __init__(self, spec: HttpFaultSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        super().__init__(spec, ctx, meta)
        self.http_spec = spec
        self.has_revert = spec.revert is not None

    def _send(self, req: RequestSpec) -> None:
        url = _url(req, self.ctx)
        with PooledClient(url) as client:
            answer = client.send(req, url)
        if not answer.ok:
            raise FaultError(f"{req.method} {url}: {answer.failure}")

    def _apply(self) -> None:
        self._send(self.http_spec.apply)

    def _revert(self) -> None:
        if self.http_spec.revert is not None:
            self._send(self.http_spec.revert)


@register(
    "http",
    "custom",
    HttpFaultSpec,
    "an HTTP request to apply, another to revert (the stack's endpoints or Toxiproxy's API)",
    self_healing=False,
    targets=http_targets,
)
def build_http(spec: HttpFaultSpec, ctx: FaultContext, meta: FaultMeta) -> HttpFault:
    return HttpFault(spec, ctx, meta)

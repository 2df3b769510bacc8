"""How a service says it is ready: an HTTP answer, an open TCP port, or a command's exit code.

One check serves both the harness's readiness probe and HAProxy's health check of the load
balancer's backend, so the two cannot disagree (a framework with allowed-host checks answered
HAProxy's Host-less check with 400 and the harness's probe with 200).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.names import Arg, UrlPath


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HttpCheck(_Strict):
    path: UrlPath
    status: int = Field(default=200, ge=100, le=599, description="the answer that means ready")
    host: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9.:\[\]-]{1,255}$",
        description="the Host header (sent by the probe and by HAProxy's check alike)",
    )


class Health(_Strict):
    """`ready` (a path) is shorthand for `http: {path: …}`; give at most one of http/tcp/exec."""

    live: UrlPath = "/healthz"
    ready: UrlPath = "/readyz"
    http: HttpCheck | None = None
    tcp: bool = False  # ready once the port accepts a connection
    exec: list[Arg] | None = Field(
        default=None,
        min_length=1,
        description="ready when this command exits 0; placeholders {python} {host} {port}",
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Health:
        given = [k for k, v in (("http", self.http), ("tcp", self.tcp), ("exec", self.exec)) if v]
        if len(given) > 1:
            raise ValueError(f"give one ready check, not {' and '.join(given)}")
        return self

    @property
    def kind(self) -> str:
        return "tcp" if self.tcp else "exec" if self.exec else "http"

    def http_check(self) -> HttpCheck:
        """The HTTP check (the default kind): `http:`, else `ready` as its path."""
        return self.http or HttpCheck(path=self.ready)

"""One HTTP request as a scenario writes it: where it goes (a path on the entry or a service, or
a loopback URL of the stack), what it sends, and what answer is expected."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.httpcall.network import loopback_problem
from harness.scenario.durations import Duration
from harness.tolerance import ValueCheck

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
_STATUS = re.compile(r"^(?:[1-5]xx|<[1-5]\d\d)$")


class RequestSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    method: Method = "GET"
    path: str | None = Field(
        default=None, description="on the entry (or on `service`), e.g. /products"
    )
    service: str | None = Field(default=None, description="a service of the stack, not the entry")
    url: str | None = Field(default=None, description="an absolute URL of the stack, on loopback")
    params: dict[str, str] = Field(default_factory=dict, description="query parameters")
    headers: dict[str, str] = Field(default_factory=dict)
    json_body: Any = Field(default=None, alias="json", description="a JSON body")
    data: str | None = Field(default=None, description="a text body")
    timeout: Duration = Field(default=5.0, gt=0, le=120)
    status: int | list[int] | str = Field(
        default="2xx", description="expected status: 200, [200, 201], '2xx' or '<500'"
    )
    max_latency: Duration | None = Field(default=None, gt=0, description="slower is a failure")
    expect: list[ValueCheck] = Field(
        default_factory=list, description="checks on the JSON answer (regex alone: its text)"
    )

    @field_validator("status")
    @classmethod
    def _status(cls, v: int | list[int] | str) -> int | list[int] | str:
        codes = [v] if isinstance(v, int) else v if isinstance(v, list) else []
        if any(not 100 <= c <= 599 for c in codes) or (isinstance(v, str) and not _STATUS.match(v)):
            raise ValueError(f"status: write 200, [200, 201], '2xx' or '<500', not {v!r}")
        return v

    @field_validator("path")
    @classmethod
    def _absolute_path(cls, path: str | None) -> str | None:
        if path is not None and not path.startswith("/"):
            raise ValueError(f"path '{path}' must start with '/' (use `url:` for an address)")
        return path

    @field_validator("url")
    @classmethod
    def _loopback(cls, url: str | None) -> str | None:
        if url is not None and (why := loopback_problem(url)) is not None:
            raise ValueError(why)
        return url

    @model_validator(mode="after")
    def _one_target(self) -> RequestSpec:
        if (self.path is None) == (self.url is None):
            raise ValueError("give `path:` (on the entry or a `service:`) or `url:`, one of them")
        if self.url is not None and self.service is not None:
            raise ValueError("`service:` goes with `path:`, not with `url:`")
        if self.json_body is not None and self.data is not None:
            raise ValueError("give `json:` or `data:` as the body, not both")
        return self

    def status_ok(self, status: int) -> bool:
        return status_matches(self.status, status)

    def describe(self) -> str:
        where = self.url or (f"{self.service}{self.path}" if self.service else self.path)
        return f"{self.method} {where}"


def status_matches(expected: int | list[int] | str, status: int) -> bool:
    if isinstance(expected, int):
        return status == expected
    if isinstance(expected, list):
        return status in expected
    if expected.startswith("<"):
        return 0 < status < int(expected[1:])
    return str(status)[:1] == expected[0]

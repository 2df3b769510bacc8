"""Send one request with a deadline and judge its answer (status, latency, JSON checks)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import requests

from harness.httpcall.spec import RequestSpec

MAX_TEXT = 64 * 1024  # what is kept of an answer's text for checks and templates


@dataclass(frozen=True)
class Answer:
    """What came back, and whether it was what the request expected."""

    t: float
    duration: float
    status: int  # 0: no answer (transport error)
    json: Any
    text: str
    headers: dict[str, str]
    failure: str | None  # why it is not what was expected; None when it is

    @property
    def ok(self) -> bool:
        return self.failure is None


def send(
    session: requests.Session,
    spec: RequestSpec,
    url: str,
    *,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    json_body: Any = None,
    data: str | None = None,
) -> Answer:
    """`url` is the full URL (the caller resolved it against the stack and rendered any
    template); the rest overrides the spec's own fields (rendered templates)."""
    t = time.time()
    try:
        r = session.request(
            spec.method,
            url,
            params=params if params is not None else spec.params,
            headers=headers if headers is not None else spec.headers,
            json=json_body if json_body is not None else spec.json_body,
            data=data if data is not None else spec.data,
            timeout=spec.timeout,
            allow_redirects=False,  # a redirect could lead off the stack
        )
    except requests.RequestException as e:
        return Answer(t, time.time() - t, 0, None, "", {}, f"{type(e).__name__}: {e}"[:300])
    duration = time.time() - t
    text = r.text[:MAX_TEXT]
    try:
        body: Any = r.json()
    except ValueError:
        body = None
    return Answer(
        t,
        duration,
        r.status_code,
        body,
        text,
        dict(r.headers),
        judge(spec, r.status_code, duration, body, text),
    )


def judge(spec: RequestSpec, status: int, duration: float, body: Any, text: str) -> str | None:
    if not spec.status_ok(status):
        return f"status {status}, expected {spec.status}"
    if spec.max_latency is not None and duration > spec.max_latency:
        return f"took {duration * 1000:.0f} ms, limit {spec.max_latency * 1000:.0f} ms"
    for check in spec.expect:
        value = text if check.jsonpath is None and check.regex is not None else body
        if check.jsonpath is not None and body is None:
            return f"the answer is not JSON ({check.jsonpath} cannot apply)"
        if (why := check.failure(value)) is not None:
            return why
    return None

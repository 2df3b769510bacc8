"""Send one request with a deadline and judge its answer (status, latency, JSON checks).

Two senders, one judgement: `send` through a `requests` session (a journey's steps share its
cookies), and `PooledClient` on the standard library's http.client for single requests sent
again and again (http probes, the built-in health probe 20 times a second, http faults): less
than half the CPU a call, which on a small machine the harness would take from the load.
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

from harness.httpcall.spec import RequestSpec

MAX_TEXT = 64 * 1024  # what is kept of an answer's text for checks and templates
USER_AGENT = "shopchaos"


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
        return _no_answer(t, e)
    return answer(spec, t, time.time() - t, r.status_code, r.content, r.encoding, r.headers)


class PooledClient:
    """Requests to one address over one kept connection (the standard library's http.client):
    no proxy or .netrc from the environment, no redirect (it could lead off the stack), no
    retry (a failure is a sample). A connection the server closed while idle is noticed before
    the next request and replaced, so it never reads as a failure. One thread at a time, as a
    probe's own thread sends. One call every 50 ms, as a probe sends, costs about 0.4x the CPU
    of a call through a `requests` session and 0.75-0.8x one through urllib3's pool (`python -m
    bench --only costs`, on two VMs: 0.58 / 0.73 / 1.35 ms and 0.9 / 1.2 / 2.2 ms)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port or (443 if self._https else 80)
        self._conn: http.client.HTTPConnection | None = None

    def send(self, spec: RequestSpec, url: str) -> Answer:
        """`url`: the full URL, on this client's address."""
        parts = urlsplit(url)
        target = parts.path or "/"
        query = "&".join(q for q in (parts.query, urlencode(spec.params)) if q)
        if query:
            target += "?" + query
        headers = {"User-Agent": USER_AGENT, "Accept": "*/*", **spec.headers}
        body: bytes | None = None
        if spec.json_body is not None:
            body = json.dumps(spec.json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif spec.data is not None:
            body = spec.data.encode()
        t = time.time()
        try:
            conn = self._connection(spec.timeout)
            conn.request(spec.method, target, body=body, headers=headers)
            r = conn.getresponse()
            content = r.read()
        except (http.client.HTTPException, OSError) as e:
            self.close()
            return _no_answer(t, e)
        duration = time.time() - t
        if r.will_close:
            self.close()
        joined: dict[str, str] = {}
        for k, v in r.getheaders():
            joined[k] = f"{joined[k]}, {v}" if k in joined else v
        charset = _charset(r.getheader("Content-Type", ""))
        return answer(spec, t, duration, r.status, content, charset, joined)

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is not None and (conn.sock is None or _closed_by_peer(conn.sock)):
            conn.close()
            conn = None
        if conn is None:
            kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
            conn = self._conn = kind(self._host, self._port, timeout=timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> PooledClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _closed_by_peer(sock: socket.socket) -> bool:
    """An idle kept connection is readable only when the server closed it (or broke HTTP)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


def _charset(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value:
            return value.strip('"')
    return None


def _no_answer(t: float, e: Exception) -> Answer:
    return Answer(t, time.time() - t, 0, None, "", {}, f"{type(e).__name__}: {e}"[:300])


def answer(
    spec: RequestSpec,
    t: float,
    duration: float,
    status: int,
    content: bytes,
    charset: str | None,
    headers: Mapping[str, str],
) -> Answer:
    """The answer as checks and templates see it: its text (decoded by its charset, else
    UTF-8), its JSON when it is JSON, and the judgement."""
    try:
        text = content[: MAX_TEXT * 4].decode(charset or "utf-8", errors="replace")[:MAX_TEXT]
    except LookupError:  # a charset Python does not know
        text = content[: MAX_TEXT * 4].decode("utf-8", errors="replace")[:MAX_TEXT]
    try:
        body: Any = json.loads(content) if content else None
    except ValueError:
        body = None
    return Answer(
        t, duration, status, body, text, dict(headers), judge(spec, status, duration, body, text)
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

"""Outbound calls: timeouts, retries (what is retried, how often, within the deadline)."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from sample_shop.common.request_context import request_scope
from sample_shop.shop.deadline import Deadline
from sample_shop.shop.outbound import NotAttempted, Outbound, Refused, Unavailable, http_client

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, answers: list[int | Exception]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers[min(len(self.requests), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(answer, json={"ok": True, "error": "nope"})


def outbound(
    rec: Recorder, *, timeout: float | None = 1.0, attempts: int = 3
) -> tuple[Outbound, httpx.Client]:
    http = httpx.Client(transport=httpx.MockTransport(rec), base_url="http://dep")
    return Outbound(http, dependency="dep", timeout=timeout, attempts=attempts), http


def test_success_sends_keys_and_the_request_id() -> None:
    rec = Recorder([200])
    out, http = outbound(rec)
    with http, request_scope("rid-1"):
        assert out.post("/x", {"a": 1}, key="k:auth", deadline=Deadline(5)) == {
            "ok": True,
            "error": "nope",
        }
    (req,) = rec.requests
    assert req.headers["Idempotency-Key"] == "k:auth"
    assert req.headers["X-Request-ID"] == "rid-1"


def test_transport_errors_and_5xx_are_retried_up_to_the_attempts() -> None:
    boom = httpx.ConnectError("refused")
    rec = Recorder([boom, 503, boom])
    out, http = outbound(rec, attempts=3)
    with http, pytest.raises(Unavailable):
        out.post("/x", {}, key=None, deadline=Deadline(5))
    assert len(rec.requests) == 3

    rec = Recorder([httpx.ReadTimeout("slow"), 502, 200])
    out, http = outbound(rec, attempts=3)
    with http:
        out.post("/x", {}, key=None, deadline=Deadline(5))
    assert len(rec.requests) == 3


@pytest.mark.parametrize("status", [400, 402, 404, 409, 422])
def test_4xx_is_not_retried(status: int) -> None:
    rec = Recorder([status])
    out, http = outbound(rec)
    with http, pytest.raises(Refused) as e:
        out.post("/x", {}, key=None, deadline=Deadline(5))
    assert e.value.status == status and e.value.error == "nope"
    assert len(rec.requests) == 1


def test_one_attempt_when_retries_are_off() -> None:
    rec = Recorder([503, 200])
    out, http = outbound(rec, attempts=1)
    with http, pytest.raises(Unavailable):
        out.post("/x", {}, key=None, deadline=Deadline(5))
    assert len(rec.requests) == 1


def test_each_attempt_times_out_at_the_smaller_of_its_timeout_and_the_deadline() -> None:
    rec = Recorder([200])
    out, http = outbound(rec, timeout=1.0)
    with http:
        out.post("/x", {}, key=None, deadline=Deadline(0.3))
        out.post("/x", {}, key=None, deadline=Deadline(10))
    short, full = (r.extensions["timeout"] for r in rec.requests)
    assert 0.2 < short["read"] <= 0.3 and 0.2 < short["connect"] <= 0.3
    assert full["read"] == 1.0


def test_no_timeout_at_all_when_timeouts_are_off() -> None:
    rec = Recorder([200])
    out, http = outbound(rec, timeout=None)
    with http:
        out.post("/x", {}, key=None, deadline=Deadline(0.5))
    assert set(rec.requests[0].extensions["timeout"].values()) == {None}
    client = http_client("http://dep", None)
    assert client.timeout.read is None
    client.close()


def test_the_deadline_bounds_the_retries() -> None:
    rec = Recorder([503])
    out, http = outbound(rec, attempts=50)
    started = time.monotonic()
    with http, pytest.raises(Unavailable):
        out.post("/x", {}, key=None, deadline=Deadline(0.4))
    assert time.monotonic() - started < 1.5
    assert 2 <= len(rec.requests) < 10


def test_nothing_is_sent_after_the_deadline() -> None:
    rec = Recorder([200])
    out, http = outbound(rec)
    deadline = Deadline(0.0)
    with http, pytest.raises(NotAttempted):
        out.post("/x", {}, key=None, deadline=deadline)
    assert rec.requests == []


def test_backoff_has_jitter_and_grows() -> None:
    stamps: list[float] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            stamps.append(time.monotonic())
        return httpx.Response(503)

    http = httpx.Client(transport=httpx.MockTransport(handler), base_url="http://dep")
    out = Outbound(http, dependency="dep", timeout=1.0, attempts=4)
    with http, pytest.raises(Unavailable):
        out.post("/x", {}, key=None, deadline=Deadline(5))
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert len(gaps) == 3
    assert 0.04 <= gaps[0] <= 0.5
    assert gaps[2] > gaps[0]

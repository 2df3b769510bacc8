"""Outbound HTTP calls with the resilience patterns the shop can switch on and off.

One call = up to `attempts` attempts (tenacity: exponential backoff with jitter), retried only
on transport errors (timeouts included) and 5xx, and never started after the checkout's
deadline. Each attempt has a timeout (the smaller of the configured one and what is left of
the deadline) unless timeouts are off. Retrying is safe because the calls that move money or
make labels carry idempotency keys.
"""

from __future__ import annotations

from typing import Any

import httpx
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
    wait_exponential_jitter,
)

from sample_shop.common.request_context import outbound_headers
from sample_shop.shop.deadline import Deadline

BACKOFF_MULTIPLIER = 0.05  # first retry after ~0.05-0.1 s, then 0.1-0.15 s, ...
BACKOFF_MAX = 0.5
BACKOFF_JITTER = 0.05


class Unavailable(Exception):
    """The dependency did not answer usefully: transport error, timeout, 5xx, or not tried."""

    retryable = True


class NotAttempted(Unavailable):
    """Nothing was sent: the deadline had passed (or the breaker is open: BreakerOpen)."""

    retryable = False


class Refused(Exception):
    """The dependency answered 4xx: it understood and said no; repeating will not help."""

    def __init__(self, dependency: str, path: str, status: int, error: str) -> None:
        super().__init__(f"{dependency} {path}: {status} {error}")
        self.status = status
        self.error = error


def _retryable(e: BaseException) -> bool:
    return isinstance(e, Unavailable) and e.retryable


class Outbound:
    def __init__(
        self,
        http: httpx.Client,
        *,
        dependency: str,
        timeout: float | None,
        attempts: int,
    ) -> None:
        self.http = http
        self.dependency = dependency
        self.timeout = timeout  # None: no timeout at all (SHOP_TIMEOUTS=off)
        self.attempts = max(1, attempts)

    def post(
        self, path: str, body: dict[str, Any], *, key: str | None, deadline: Deadline
    ) -> dict[str, Any]:
        """POST `body`; the JSON answer, or Unavailable / Refused once attempts are used up."""
        headers = outbound_headers()
        if key is not None:
            headers["Idempotency-Key"] = key
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts) | stop_before_delay(deadline.remaining()),
            wait=wait_exponential_jitter(
                multiplier=BACKOFF_MULTIPLIER, max=BACKOFF_MAX, jitter=BACKOFF_JITTER
            ),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        answer: dict[str, Any] = retrying(self._attempt, path, body, headers, deadline)
        return answer

    def _attempt(
        self, path: str, body: dict[str, Any], headers: dict[str, str], deadline: Deadline
    ) -> dict[str, Any]:
        timeout: float | None = None
        if self.timeout is not None:
            timeout = min(self.timeout, deadline.remaining())
            if timeout <= 0:
                raise NotAttempted(f"{self.dependency} {path}: checkout deadline passed")
        # build_request + send (not post(timeout=...)): the same for any httpx.Client, and a
        # fastapi TestClient standing in for a provider does not warn about the timeout
        request = self.http.build_request(
            "POST", path, json=body, headers=headers, timeout=httpx.Timeout(timeout)
        )
        try:
            r = self.http.send(request)
        except httpx.RequestError as e:
            raise Unavailable(f"{self.dependency} {path}: {type(e).__name__}: {e}") from e
        if r.status_code >= 500:
            raise Unavailable(f"{self.dependency} {path}: {r.status_code}")
        try:
            data = r.json()
        except ValueError as e:
            if r.status_code >= 400:
                raise Refused(self.dependency, path, r.status_code, r.text[:200]) from e
            raise Unavailable(f"{self.dependency} {path}: the answer is not JSON") from e
        if r.status_code >= 400:
            error = data.get("error") or data.get("detail") if isinstance(data, dict) else None
            raise Refused(self.dependency, path, r.status_code, str(error or r.text[:200]))
        if not isinstance(data, dict):
            raise Unavailable(f"{self.dependency} {path}: the answer is not a JSON object")
        return data


def http_client(base_url: str, timeout: float | None) -> httpx.Client:
    """One keep-alive client per dependency and process (closed at shutdown).

    Idle connections expire before uvicorn's keep-alive (5 s) closes them on the other side,
    so a request rarely lands on a connection the server is closing.
    """
    return httpx.Client(
        base_url=base_url,
        timeout=httpx.Timeout(timeout) if timeout is not None else None,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32, keepalive_expiry=2.0),
    )

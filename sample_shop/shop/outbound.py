"""Outbound HTTP with the resilience patterns the shop can switch on or off.

Every call: a timeout (unless SHOP_TIMEOUTS=off), bounded retries with exponential backoff and
jitter on transport errors and 5xx only (unless SHOP_RETRIES=off), all within the checkout's
deadline. Retrying is safe because payment and shipping calls carry idempotency keys.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from sample_shop.common.logging import request_id


class Unavailable(Exception):
    """The dependency did not answer usefully (transport error, timeout, 5xx).

    maybe_sent: some attempt reached the dependency (a timeout, a lost reply, a 5xx), so it may
    have acted; False when every attempt failed to connect (nothing was sent).
    """

    maybe_sent = False


class Refused(Exception):
    """The dependency answered with a 4xx: repeating the call will not help."""

    def __init__(self, status: int, body: str) -> None:
        super().__init__(f"{status}: {body[:200]}")
        self.status = status


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())


def _retryable(e: BaseException) -> bool:
    return isinstance(e, Unavailable)


class Outbound:
    def __init__(
        self,
        http: httpx.Client,
        *,
        timeout: float | None,
        attempts: int,
    ) -> None:
        self.http = http
        self.timeout = timeout  # None: no timeout at all (SHOP_TIMEOUTS=off)
        self.attempts = max(1, attempts)

    def post(
        self, path: str, body: dict[str, Any], *, key: str | None, deadline: Deadline
    ) -> dict[str, Any]:
        """POST with retries; returns the JSON answer, raises Unavailable or Refused."""
        retrying = Retrying(
            stop=stop_after_attempt(self.attempts) | stop_after_delay(deadline.remaining()),
            wait=wait_exponential_jitter(multiplier=0.05, max=0.5, jitter=0.05),
            retry=retry_if_exception(_retryable),
            reraise=True,
        )
        sent = False
        try:
            for attempt in retrying:
                with attempt:
                    try:
                        return self._once(path, body, key, deadline)
                    except Unavailable as e:
                        sent = sent or e.maybe_sent
                        raise
        except Unavailable as e:
            e.maybe_sent = sent
            raise
        raise Unavailable("no attempt was made")  # unreachable: reraise=True

    def _once(
        self, path: str, body: dict[str, Any], key: str | None, deadline: Deadline
    ) -> dict[str, Any]:
        headers = {"X-Request-ID": request_id.get() or ""}
        if key is not None:
            headers["Idempotency-Key"] = key
        timeout: float | None = None
        if self.timeout is not None:
            timeout = min(self.timeout, deadline.remaining())
            if timeout <= 0:
                raise Unavailable(f"{path}: checkout deadline passed")
        try:
            r = self.http.post(path, json=body, headers=headers, timeout=timeout)
        except httpx.ConnectError as e:
            raise Unavailable(f"{path}: {type(e).__name__}: {e}") from e
        except httpx.HTTPError as e:
            err = Unavailable(f"{path}: {type(e).__name__}: {e}")
            err.maybe_sent = True
            raise err from e
        if r.status_code >= 500:
            err = Unavailable(f"{path}: {r.status_code}")
            err.maybe_sent = True
            raise err
        if r.status_code >= 400:
            raise Refused(r.status_code, r.text)
        try:
            data: dict[str, Any] = r.json()
        except ValueError as e:
            raise Unavailable(f"{path}: answer is not JSON") from e
        return data

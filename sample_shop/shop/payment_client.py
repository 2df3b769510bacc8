"""The shop's calls to the payment provider: authorize, then capture.

Idempotency keys derive from the customer's Idempotency-Key (`<key>:auth`, `<key>:capture`),
so the shop's own retries, the customer's retries and the background resolver can repeat a
step and payment answers with the first result. With SHOP_IDEMPOTENCY=off no key is sent.
Each call (with its retries) goes through the circuit breaker when it is on: the breaker counts
calls that failed after their retries, so a flaky network that retries hide does not open it,
and an outage opens it after SHOP_BREAKER_FAIL_MAX failed calls.
"""

from __future__ import annotations

from typing import Any

import httpx

from sample_shop.shop.breaker import Breaker
from sample_shop.shop.config import Settings
from sample_shop.shop.deadline import Deadline
from sample_shop.shop.outbound import Outbound, Refused, http_client

DECLINED = 402


class Declined(Refused):
    """Payment said no (402): the customer's card, not an outage."""


def payment_http(settings: Settings) -> httpx.Client:
    return http_client(
        settings.payment_url, settings.payment_timeout if settings.profile.timeouts else None
    )


class PaymentClient:
    def __init__(self, out: Outbound, *, idempotency: bool, breaker: Breaker | None) -> None:
        self.out = out
        self.idempotency = idempotency
        self.breaker = breaker

    @classmethod
    def build(
        cls, http: httpx.Client, settings: Settings, breaker: Breaker | None
    ) -> PaymentClient:
        out = Outbound(
            http,
            dependency="payment",
            timeout=settings.payment_timeout if settings.profile.timeouts else None,
            attempts=settings.attempts,
        )
        return cls(out, idempotency=settings.profile.idempotency, breaker=breaker)

    def _key(self, key: str, step: str) -> str | None:
        return f"{key}:{step}" if self.idempotency else None

    def _post(
        self, path: str, body: dict[str, Any], key: str | None, deadline: Deadline
    ) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            return self.out.post(path, body, key=key, deadline=deadline)

        return self.breaker.call(call) if self.breaker is not None else call()

    def authorize(self, *, amount_cents: int, reference: str, key: str, deadline: Deadline) -> str:
        """The authorization id. Raises Declined, Refused or Unavailable."""
        body = {"amount_cents": amount_cents, "currency": "EUR", "reference": reference}
        try:
            answer = self._post("/authorize", body, self._key(key, "auth"), deadline)
        except Refused as e:
            if e.status == DECLINED:
                raise Declined("payment", "/authorize", e.status, e.error) from e
            raise
        return str(answer["authorization_id"])

    def capture(
        self, *, authorization_id: str, amount_cents: int, key: str, deadline: Deadline
    ) -> str:
        """The charge id. Raises Refused or Unavailable."""
        body = {"authorization_id": authorization_id, "amount_cents": amount_cents}
        answer = self._post("/capture", body, self._key(key, "capture"), deadline)
        return str(answer["charge_id"])

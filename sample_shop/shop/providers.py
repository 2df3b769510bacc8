"""The shop's view of its two providers: payment (through the breaker) and shipping."""

from __future__ import annotations

from sample_shop.shop.breaker import Breaker
from sample_shop.shop.outbound import Deadline, Outbound


class PaymentClient:
    def __init__(self, out: Outbound, breaker: Breaker | None, *, idempotency: bool) -> None:
        self.out = out
        self.breaker = breaker
        self.idempotency = idempotency

    def _key(self, key: str, step: str) -> str | None:
        return f"{key}:{step}" if self.idempotency else None

    def authorize(self, amount_cents: int, reference: str, key: str, deadline: Deadline) -> str:
        body = {"amount_cents": amount_cents, "currency": "EUR", "reference": reference}

        def call() -> str:
            answer = self.out.post(
                "/authorize", body, key=self._key(key, "auth"), deadline=deadline
            )
            return str(answer["authorization_id"])

        return self.breaker.call(call) if self.breaker else call()

    def capture(
        self, authorization_id: str, amount_cents: int, key: str, deadline: Deadline
    ) -> str:
        body = {"authorization_id": authorization_id, "amount_cents": amount_cents}

        def call() -> str:
            answer = self.out.post(
                "/capture", body, key=self._key(key, "capture"), deadline=deadline
            )
            return str(answer["charge_id"])

        return self.breaker.call(call) if self.breaker else call()


class ShippingClient:
    def __init__(self, out: Outbound, *, idempotency: bool) -> None:
        self.out = out
        self.idempotency = idempotency

    def quote(self, items: list[dict[str, int]], destination: str, deadline: Deadline) -> int:
        answer = self.out.post(
            "/quote", {"items": items, "destination": destination}, key=None, deadline=deadline
        )
        return int(answer["amount_cents"])

    def label(self, order_id: str, deadline: Deadline) -> str:
        key = f"{order_id}:label" if self.idempotency else None
        answer = self.out.post("/labels", {"order_id": order_id}, key=key, deadline=deadline)
        return str(answer["label_id"])

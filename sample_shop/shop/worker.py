"""The shop's background worker (a thread in every replica): the outbox and the resolver.

outbox:   confirmed orders with shipping pending get their label (idempotent by order id, so
          several replicas doing it at once is harmless).
resolver: orders left pending because a capture's outcome was unknown are finished with the
          same idempotency keys once they are older than `resolve_after` seconds.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import and_, select
from sqlalchemy.exc import SQLAlchemyError

from sample_shop.common.logging import JsonLog
from sample_shop.db.schema import orders
from sample_shop.shop.checkout import CheckoutService
from sample_shop.shop.outbound import Deadline, Refused, Unavailable


class Worker:
    def __init__(
        self,
        service: CheckoutService,
        log: JsonLog,
        *,
        interval: float,
        resolve_after: float = 10.0,
    ) -> None:
        self.service = service
        self.log = log
        self.interval = interval
        self.resolve_after = resolve_after
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shop-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except (SQLAlchemyError, Unavailable, Refused) as e:
                self.log.warning("worker pass failed", error=f"{type(e).__name__}: {e}")

    def run_once(self) -> int:
        """One pass; returns how many orders it moved forward."""
        done = 0
        if self.service.settings.patterns.outbox:
            for order_id in self.service.repo.unlabelled():
                if self._stop.is_set():
                    return done
                try:
                    label = self.service.shipping.label(order_id, Deadline(2.0))
                except (Unavailable, Refused):
                    break  # shipping is still down: try again next pass
                self.service.repo.set_label(order_id, label)
                self.log.info("order labelled by the outbox", order_id=order_id)
                done += 1
        if self.service.settings.patterns.idempotency:
            done += self._resolve()
        return done

    def _resolve(self) -> int:
        cutoff = time.time() - self.resolve_after
        with self.service.repo.read.connect() as c:
            stuck = c.execute(
                select(orders.c.id, orders.c.idempotency_key)
                .where(and_(orders.c.status == "pending", orders.c.updated_at < cutoff))
                .limit(20)
            ).all()
        done = 0
        for order_id, key in stuck:
            if key is None or self._stop.is_set():
                continue
            outcome = self.service.pay_and_confirm(order_id, key, Deadline(5.0), created=False)
            self.log.info("pending order resolved", order_id=order_id, status=outcome.status)
            done += outcome.status < 300
        return done

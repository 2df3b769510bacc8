"""The outbox: labels for confirmed orders whose shipping is still pending.

Every replica runs it (a pass every SHOP_OUTBOX_INTERVAL seconds in the background worker).
Several replicas labelling the same order at once is harmless: the label call carries
`Idempotency-Key: <order_id>:label`, so shipping makes one label, and the update only moves
shipping_status from pending to labelled.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sample_shop.common.jsonlog import JsonLog
from sample_shop.common.request_context import request_scope
from sample_shop.shop.deadline import Deadline
from sample_shop.shop.outbound import Refused, Unavailable
from sample_shop.shop.repository import Repository
from sample_shop.shop.shipping_client import ShippingClient

LABEL_BUDGET_S = 2.0


def label_pending(
    repo: Repository,
    shipping: ShippingClient,
    log: JsonLog,
    *,
    stop: Callable[[], bool] = lambda: False,
    limit: int = 50,
    min_age: float = 0.0,
) -> int:
    """One pass; returns how many orders it labelled. Stops at the first shipping failure.

    Orders confirmed less than `min_age` seconds ago are left alone: the checkout that
    confirmed them may be asking for their label right now."""
    labelled = 0
    for order_id in repo.awaiting_label(limit, updated_before=time.time() - min_age):
        if stop():
            break
        with request_scope():
            try:
                label = shipping.label(order_id, Deadline(LABEL_BUDGET_S))
            except (Unavailable, Refused) as e:
                log.warning("outbox: shipping unavailable", order_id=order_id, error=str(e))
                break  # try again next pass
            if repo.set_label(order_id, label):
                log.info("outbox: order labelled", order_id=order_id, label_id=label)
            labelled += 1
    return labelled

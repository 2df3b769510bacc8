"""The resolver: settles pending orders that nobody has touched for a while.

An order stays pending when its capture's outcome is unknown (the request went out, no
answer came back) or when the replica working on it died. After SHOP_RESOLVE_AFTER seconds
(default: 10, or twice the checkout deadline) the background worker of any replica takes it
up: an authorized order is paid with its own idempotency keys (a capture that happened is
replayed, one that did not happens now) and confirmed; an order that never got an
authorization moved no money and fails, releasing its stock. Only with idempotency on:
without keys, repeating a payment step is not safe.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sample_shop.common.request_context import request_scope
from sample_shop.shop.checkout import Shop, pay
from sample_shop.shop.deadline import Deadline


def resolve_stale(shop: Shop, *, stop: Callable[[], bool] = lambda: False, limit: int = 20) -> int:
    """One pass; returns how many orders it settled."""
    if not shop.settings.profile.idempotency:
        return 0
    cutoff = time.time() - shop.settings.resolve_after
    settled = 0
    for order in shop.repo.stale_pending(cutoff, limit):
        if stop():
            break
        if order.idempotency_key is None or not shop.repo.claim_stale(order.order_id, cutoff):
            continue  # another replica took it
        with request_scope():
            if order.payment_authorization_id is None:
                if shop.repo.fail_order(
                    order.order_id, "abandoned before payment", unless_authorized=True
                ):
                    shop.log.info("stale order failed", order_id=order.order_id)
                    settled += 1
                continue
            outcome = pay(shop, order, Deadline(shop.settings.checkout_deadline), label_now=True)
            shop.log.info("stale order resolved", order_id=order.order_id, outcome=outcome.status)
            settled += outcome.status < 300
    return settled

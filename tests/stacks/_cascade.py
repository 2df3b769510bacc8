"""A delayed cascade, shared by the stacks that need one: when a replica notices a peer died,
the whole service answers 500 from `delay` after that moment, for `length` seconds.

The first replica to notice claims the plan (tests/stacks/_plans.py) and logs `peer_died` and
`plan`; every replica follows the same plan, so the truth is one interval.
"""

from __future__ import annotations

from tests.stacks._peers import Peers
from tests.stacks._plans import Plans
from tests.stacks._server import Context


class Cascade:
    def __init__(self, ctx: Context, *, delay: float, length: float, poll: float = 0.05) -> None:
        self.ctx = ctx
        self.delay = delay
        self.length = length
        self.plans = Plans(ctx.state_dir, "cascade", ctx.instance)
        self.peers = Peers(ctx.state_dir, ctx.instance, ctx.port, self._peer_died, poll=poll)
        self.peers.register()
        ctx.jobs += [self.peers.watch, self.plans.follow]
        ctx.on_stop.append(self.peers.unregister)

    def bad(self, now: float) -> bool:
        plan = self.plans.current()
        return plan is not None and plan.is_bad(now)

    def _peer_died(self, peer: str, now: float) -> None:
        start = now + self.delay
        plan, claimed = self.plans.claim(now, f"{peer} died", [(start, start + self.length)])
        if claimed:
            self.ctx.log.write("peer_died", t=now, peer=peer)
            self.ctx.log.write("plan", name=plan.name, cause=plan.cause, bad=plan.bad)

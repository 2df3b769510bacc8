"""flapping: a replica that calls its dependency (through Toxiproxy) on every request and
answers 500 when the call fails. When the dependency comes back after an outage the service
flaps: fine for FLAP_GOOD seconds, 500 for FLAP_BAD seconds, FLAP_COUNT times; then it is stable.

Truth (tests/stacks/README.md): `dependency_failed` / `dependency_back` as each replica saw
them, `plan` = the flaps (claimed by the first replica to see the dependency back, followed by
all), `error` = each failed answer.
"""

from __future__ import annotations

import os
import time

from tests.stacks._dependency import Dependency
from tests.stacks._plans import Plans
from tests.stacks._server import Answer, context, serve


def flaps(back: float, good: float, bad: float, count: int) -> list[tuple[float, float]]:
    """The bad intervals after the dependency came back at `back`: good first, then bad."""
    cycle = good + bad
    return [(back + k * cycle + good, back + (k + 1) * cycle) for k in range(count)]


def main() -> None:
    ctx = context(__doc__ or "")
    good = float(os.environ.get("FLAP_GOOD", "0.5"))
    bad = float(os.environ.get("FLAP_BAD", "0.5"))
    count = int(os.environ.get("FLAP_COUNT", "3"))
    dependency = Dependency(os.environ["FLAP_DEPENDENCY_URL"] + "/stock", 1.0, ctx.log)
    plans = Plans(ctx.state_dir, "flap", ctx.instance)
    ctx.jobs.append(plans.follow)

    def answer(path: str) -> Answer:
        ok, back_from = dependency.check()
        now = time.time()
        if not ok:
            return 500, "dependency down"
        if back_from is not None:
            claimed, mine = plans.claim(
                now,
                f"dependency back after failing since {back_from:.3f}",
                flaps(now, good, bad, count),
            )
            if mine:
                ctx.log.write("plan", name=claimed.name, cause=claimed.cause, bad=claimed.bad)
        plan = plans.current()
        if plan is not None and plan.is_bad(now):
            return 500, "flapping"
        return 200, ""

    serve(ctx, answer, good=good, bad=bad, count=count)


if __name__ == "__main__":
    main()

"""overlap: a replica with two independent ways to fail, so two faults' impacts can overlap.

1. Every request calls the pricing dependency (through Toxiproxy) with a PRICING_TIMEOUT;
   a slow or absent answer makes it 500 (a latency fault on pricing fails every request).
2. When a peer replica dies, the whole service answers 500 from KILL_DELAY after it noticed,
   for KILL_LENGTH seconds (the cascade of tests/stacks/cascade, shorter and sooner).

Truth (tests/stacks/README.md): `dependency_failed` / `dependency_back`, `plan` (the cascade),
and `error` for each failed answer, with `why` saying which of the two it was.
"""

from __future__ import annotations

import os
import time

from tests.stacks._cascade import Cascade
from tests.stacks._dependency import Dependency
from tests.stacks._server import Answer, context, serve


def main() -> None:
    ctx = context(__doc__ or "")
    timeout = float(os.environ.get("PRICING_TIMEOUT", "0.25"))
    delay = float(os.environ.get("KILL_DELAY", "0.3"))
    length = float(os.environ.get("KILL_LENGTH", "4.0"))
    pricing = Dependency(os.environ["PRICING_URL"] + "/price", timeout, ctx.log)
    cascade = Cascade(ctx, delay=delay, length=length)

    def answer(path: str) -> Answer:
        if cascade.bad(time.time()):
            return 500, "cascade"
        ok, _ = pricing.check()
        return (200, "") if ok else (500, "pricing")

    serve(ctx, answer, pricing_timeout=timeout, delay=delay, length=length)


if __name__ == "__main__":
    main()

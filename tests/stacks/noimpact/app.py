"""noimpact: a replica that answers every customer request by itself, and calls its audit
dependency only from a background thread every AUDIT_EVERY seconds. A fault on audit (latency)
is real but no customer can see it.

Truth (tests/stacks/README.md): `audit_slow` lines with the start and end of each stretch of
background calls slower than AUDIT_SLOW (the fault was in force), and no `error` line at all.
"""

from __future__ import annotations

import os
import time

from tests.stacks._dependency import call
from tests.stacks._server import Answer, Context, context, serve


def audit(ctx: Context, url: str, every: float, slow: float) -> None:
    """The background calls; one `audit_slow` line per stretch of slow (or failed) calls."""
    slow_since: float | None = None
    while True:
        began = time.time()
        ok = call(url, timeout=5.0)
        ended = time.time()
        if not ok or ended - began > slow:
            if slow_since is None:
                slow_since = began
        elif slow_since is not None:
            ctx.log.write("audit_slow", t=ended, start=slow_since, end=began)
            slow_since = None
        time.sleep(max(0.0, every - (time.time() - began)))


def answer(path: str) -> Answer:
    return 200, ""


def main() -> None:
    ctx = context(__doc__ or "")
    every = float(os.environ.get("AUDIT_EVERY", "0.1"))
    slow = float(os.environ.get("AUDIT_SLOW", "0.3"))
    url = os.environ["AUDIT_URL"] + "/audit"
    ctx.jobs.append(lambda: audit(ctx, url, every, slow))
    serve(ctx, answer, audit_every=every, audit_slow=slow)


if __name__ == "__main__":
    main()

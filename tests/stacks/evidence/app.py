"""evidence: a plain replica for the evidence checks (no requests, an unhealthy baseline, a
starved machine). It answers 200 at once; with FAIL_EVERY=N it answers 500 to every Nth request
it receives, from its first request on (N=2: half the requests fail from the start).

Truth (tests/stacks/README.md): the `start` line carries FAIL_EVERY, `served` lines count the
answers per second, `error` lines each failed one.
"""

from __future__ import annotations

import itertools
import os
import threading

from tests.stacks._server import Answer, context, serve


def main() -> None:
    ctx = context(__doc__ or "")
    every = int(os.environ.get("FAIL_EVERY", "0"))
    counter = itertools.count(1)
    lock = threading.Lock()

    def answer(path: str) -> Answer:
        with lock:
            n = next(counter)
        if every and n % every == 0:
            return 500, f"every {every}th request"
        return 200, ""

    serve(ctx, answer, fail_every=every)


if __name__ == "__main__":
    main()

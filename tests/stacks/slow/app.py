"""slow: a replica that takes SLOW_SECONDS (300 ms) over every request, so one customer makes
about 3 requests a second. When a peer dies, the service hiccups: every request that finishes
within BLIP_LENGTH (600 ms) of the moment a survivor noticed answers 500 (at least one request
always finishes in such a stretch), then it is fine again.

Truth (tests/stacks/README.md): `plan` = the hiccup (its end is when the service was well
again), `error` for each failed answer.
"""

from __future__ import annotations

import os
import time

from tests.stacks._cascade import Cascade
from tests.stacks._server import Answer, context, serve


def main() -> None:
    ctx = context(__doc__ or "")
    seconds = float(os.environ.get("SLOW_SECONDS", "0.3"))
    blip = float(os.environ.get("BLIP_LENGTH", "0.6"))
    cascade = Cascade(ctx, delay=0.0, length=blip)

    def answer(path: str) -> Answer:
        time.sleep(seconds)
        if cascade.bad(time.time()):
            return 500, "hiccup"
        return 200, ""

    serve(ctx, answer, seconds=seconds, blip=blip)


if __name__ == "__main__":
    main()

"""cascade: a replica whose peers' death drains it. When one replica is killed, the others
answer 500 from CASCADE_DELAY seconds after they noticed (failed connects, polled every 50 ms)
for CASCADE_LENGTH seconds, then heal (a drained connection pool, a cascading overload).

Truth (tests/stacks/README.md): `plan` = the interval the service answered 500, `error` = each
failed answer, both in {state_dir}/truth.jsonl.
"""

from __future__ import annotations

import os
import time

from tests.stacks._cascade import Cascade
from tests.stacks._server import Answer, context, serve


def main() -> None:
    ctx = context(__doc__ or "")
    delay = float(os.environ.get("CASCADE_DELAY", "2.5"))
    length = float(os.environ.get("CASCADE_LENGTH", "3.0"))
    cascade = Cascade(ctx, delay=delay, length=length)

    def answer(path: str) -> Answer:
        if cascade.bad(time.time()):
            return 500, "cascade"
        return 200, ""

    serve(ctx, answer, delay=delay, length=length)


if __name__ == "__main__":
    main()

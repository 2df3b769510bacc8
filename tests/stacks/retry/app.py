"""retry: a replica that takes SLOW_SECONDS (1 s) over every request and logs each one it
accepts and answers, with the moment its customer sent it (the `sent` query parameter). When
one of two replicas is killed, HAProxy (profile `recommended`: L7 retries on an empty
response, redispatch) sends the requests it held to the survivor: no customer sees an error,
but those in flight at the kill wait up to twice as long. No replica fails anything itself.

Truth (tests/stacks/README.md): `accepted` / `answered` lines with the request's `id` and
`sent`; a request accepted by the killed replica and answered by another was retried.
"""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlsplit

from tests.stacks._server import Answer, context, serve


def main() -> None:
    ctx = context(__doc__ or "")
    seconds = float(os.environ.get("SLOW_SECONDS", "1.0"))

    def answer(path: str) -> Answer:
        query = parse_qs(urlsplit(path).query)
        request = {"id": query.get("id", [""])[0], "sent": float(query.get("sent", ["0"])[0])}
        ctx.log.write("accepted", **request)  # written before the wait: a kill cannot lose it
        time.sleep(seconds)
        ctx.log.write("answered", **request)
        return 200, ""

    serve(ctx, answer, with_query=True, seconds=seconds)


if __name__ == "__main__":
    main()

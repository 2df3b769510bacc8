"""Pure ASGI middleware: the request id (X-Request-ID in, out and onwards) and the access log.

Pure ASGI rather than BaseHTTPMiddleware: no extra task per request, and the context variable
set here reaches the handler (and the worker thread a plain `def` handler runs in).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from sample_shop.common.jsonlog import JsonLog
from sample_shop.common.request_context import (
    clean_request_id,
    reset_request_id,
    set_request_id,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_HEADER = b"x-request-id"


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, log: JsonLog, *, access_log: bool = True) -> None:
        self.app = app
        self.log = log
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw: str | None = None
        for key, value in scope.get("headers") or ():
            if key == _HEADER:
                raw = value.decode("latin-1")
                break
        rid = clean_request_id(raw)
        rid_bytes = rid.encode("latin-1", "replace")
        token = set_request_id(rid)
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", ()), (_HEADER, rid_bytes)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log:
                self.log.emit(
                    "info" if status < 500 else "warning",
                    "request",
                    request_id=rid,
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            reset_request_id(token)

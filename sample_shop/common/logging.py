"""Structured logs: one JSON object per line on stdout, with the request id.

The request id comes from X-Request-ID (HAProxy sets one) or is made up here; it is kept in a
context variable so outbound calls pass it on to payment and shipping.
"""

from __future__ import annotations

import contextvars
import json
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_lock = threading.Lock()


class JsonLog:
    def __init__(self, service: str, instance: str) -> None:
        self.service = service
        self.instance = instance

    def emit(self, level: str, msg: str, **fields: Any) -> None:
        record = {
            "ts": round(time.time(), 6),
            "level": level,
            "service": self.service,
            "instance": self.instance,
            "request_id": fields.pop("request_id", None) or request_id.get(),
            "msg": msg,
            **fields,
        }
        line = json.dumps(record, separators=(",", ":"), default=str)
        with _lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def info(self, msg: str, **fields: Any) -> None:
        self.emit("info", msg, **fields)

    def warning(self, msg: str, **fields: Any) -> None:
        self.emit("warning", msg, **fields)

    def error(self, msg: str, **fields: Any) -> None:
        self.emit("error", msg, **fields)


class RequestLogMiddleware:
    """Pure ASGI middleware: sets the request id and logs one line per request."""

    def __init__(self, app: ASGIApp, log: JsonLog, *, access_log: bool = True) -> None:
        self.app = app
        self.log = log
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = None
        for key, value in scope.get("headers") or []:
            if key == b"x-request-id":
                rid = value.decode("latin-1")
                break
        rid = rid or uuid.uuid4().hex
        token = request_id.set(rid)
        started = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers") or [])
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if self.access_log:
                self.log.info(
                    "request",
                    request_id=rid,
                    method=scope.get("method"),
                    path=scope.get("path"),
                    status=status,
                    duration_ms=round((time.perf_counter() - started) * 1000, 2),
                )
            request_id.reset(token)

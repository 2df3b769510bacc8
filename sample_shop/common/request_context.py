"""The id of the request being served, for logs and for the calls it makes to other services.

Set by RequestContextMiddleware (from X-Request-ID, or made up); FastAPI runs plain `def`
handlers in a worker thread with a copy of the context, so they see it too. Background work
sets its own with `request_scope`.
"""

from __future__ import annotations

import contextvars
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

REQUEST_ID_HEADER = "X-Request-ID"
MAX_REQUEST_ID = 128

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "shop_request_id", default=None
)


def new_request_id() -> str:
    return uuid.uuid4().hex


def clean_request_id(raw: str | None) -> str:
    """The caller's id if it is usable (printable, not too long), else a new one."""
    if raw and raw.isprintable():
        return raw[:MAX_REQUEST_ID]
    return new_request_id()


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(value: str) -> contextvars.Token[str | None]:
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str | None]) -> None:
    _request_id.reset(token)


@contextmanager
def request_scope(request_id: str | None = None) -> Iterator[str]:
    """Run a block (background work) under a request id of its own."""
    rid = request_id or new_request_id()
    token = _request_id.set(rid)
    try:
        yield rid
    finally:
        _request_id.reset(token)


def outbound_headers() -> dict[str, str]:
    """Headers that pass the current request id on to another service."""
    rid = _request_id.get()
    return {REQUEST_ID_HEADER: rid} if rid else {}

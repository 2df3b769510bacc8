"""A plain WSGI app for gunicorn with several workers: each answer names the worker's pid."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Like a framework with an allowed-hosts check: 400 without a Host header."""
    if not environ.get("HTTP_HOST"):
        start_response("400 Bad Request", [("Content-Type", "text/plain")])
        return [b"Invalid HTTP_HOST header"]
    body = f"{os.getpid()} {os.getppid()}".encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]

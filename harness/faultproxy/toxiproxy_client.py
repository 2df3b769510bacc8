"""An adapter over toxiproxy-python that puts a deadline on every API call.

toxiproxy-python 0.1.1 calls `requests` without a timeout and keeps the server's host and port
in class attributes of `APIConsumer` (design.md). This adapter is the only place that touches
the library: it points the library's `requests` at a shim that always passes a timeout, sets
host/port under a lock for each call, and turns the library's errors into FaultError.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import toxiproxy.api as _api
from toxiproxy import Toxiproxy
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from harness.errors import FaultError
from harness.httpcall.network import local_session

T = TypeVar("T")

_LOCK = threading.RLock()
_DEADLINE = threading.local()


class _RequestsWithDeadline:
    """Stands in for the `requests` module inside toxiproxy.api: same calls, with a timeout."""

    session = local_session()

    def _timeout(self) -> float:
        return float(getattr(_DEADLINE, "timeout", 2.0))

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self.session.get(url, timeout=self._timeout(), **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self.session.post(url, timeout=self._timeout(), **kw)

    def delete(self, url: str, **kw: Any) -> requests.Response:
        return self.session.delete(url, timeout=self._timeout(), **kw)


_api.requests = _RequestsWithDeadline()


@dataclass(frozen=True)
class ToxicInfo:
    name: str
    type: str
    stream: str
    toxicity: float
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProxyInfo:
    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: tuple[ToxicInfo, ...] = ()


class ToxiproxyClient:
    def __init__(self, url: str, *, timeout: float = 2.0) -> None:
        parts = urlsplit(url)
        if not parts.hostname or not parts.port:
            raise ValueError(f"Toxiproxy URL needs a host and a port: {url!r}")
        self.url = url.rstrip("/")
        self.host = parts.hostname
        self.port = parts.port
        self.timeout = timeout

    @contextmanager
    def _bound(self) -> Iterator[Toxiproxy]:
        with _LOCK:
            _api.APIConsumer.host = self.host
            _api.APIConsumer.port = self.port
            _DEADLINE.timeout = self.timeout
            yield Toxiproxy()

    def _call(self, what: str, fn: Callable[[Toxiproxy], T]) -> T:
        try:
            with self._bound() as server:
                return fn(server)
        except (requests.RequestException, NotFound, ProxyExists, InvalidToxic) as e:
            raise FaultError(
                f"Toxiproxy at {self.url}: {what} failed: {_describe(e)}",
                hint="is the stack up? `shopchaos status`; `shopchaos recover` resets all toxics",
            ) from e

    def version(self) -> str:
        def get(_: Toxiproxy) -> str:
            return str(_api.APIConsumer.get("/version").text).strip()

        return self._call("version", get)

    def wait_ready(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.version()
            except FaultError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def proxies(self) -> dict[str, ProxyInfo]:
        def get(_: Toxiproxy) -> dict[str, ProxyInfo]:
            data = _checked(_api.APIConsumer.get("/proxies")).json()
            return {name: _proxy_info(p) for name, p in data.items()}

        return self._call("list proxies", get)

    def ensure_proxy(self, name: str, *, listen: str, upstream: str) -> ProxyInfo:
        """Create the proxy, or recreate it when it exists with other addresses."""

        def ensure(server: Toxiproxy) -> None:
            server.populate([{"name": name, "listen": listen, "upstream": upstream}])

        self._call(f"create proxy {name}", ensure)
        return self.proxies()[name]

    def add_toxic(
        self,
        proxy: str,
        *,
        name: str,
        type: str,
        stream: str = "downstream",
        toxicity: float = 1.0,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        body = {
            "name": name,
            "type": type,
            "stream": stream,
            "toxicity": toxicity,
            "attributes": attributes or {},
        }

        def add(_: Toxiproxy) -> None:
            _checked(_api.APIConsumer.post(f"/proxies/{proxy}/toxics", json=body))

        self._call(f"add toxic {name} to {proxy}", add)

    def remove_toxic(self, proxy: str, name: str) -> bool:
        """Remove a toxic; False when it was not there (already reverted)."""
        try:
            self._call(
                f"remove toxic {name} from {proxy}",
                lambda _: _checked(_api.APIConsumer.delete(f"/proxies/{proxy}/toxics/{name}")),
            )
        except FaultError as e:
            if isinstance(e.__cause__, NotFound):
                return False
            raise
        return True

    def set_enabled(self, proxy: str, enabled: bool) -> None:
        self._call(
            f"{'enable' if enabled else 'disable'} proxy {proxy}",
            lambda _: _checked(
                _api.APIConsumer.post(f"/proxies/{proxy}", json={"enabled": enabled})
            ),
        )

    def reset(self) -> None:
        """Enable every proxy and remove every toxic."""
        self._call("reset", lambda _: _checked(_api.APIConsumer.post("/reset")))


def _checked(response: requests.Response) -> requests.Response:
    if response.status_code >= 400:
        raise requests.HTTPError(f"{response.status_code}: {response.text.strip()}")
    return response


def _describe(e: Exception) -> str:
    if isinstance(e, (NotFound, ProxyExists, InvalidToxic)) and e.args:
        raw = e.args[0]
        return raw.decode(errors="replace").strip() if isinstance(raw, bytes) else str(raw)
    return str(e) or type(e).__name__


def _proxy_info(p: dict[str, Any]) -> ProxyInfo:
    toxics = tuple(
        ToxicInfo(
            name=t["name"],
            type=t["type"],
            stream=t.get("stream", "downstream"),
            toxicity=float(t.get("toxicity", 1.0)),
            attributes=dict(t.get("attributes") or {}),
        )
        for t in p.get("toxics") or []
    )
    return ProxyInfo(p["name"], p["listen"], p["upstream"], bool(p["enabled"]), toxics)

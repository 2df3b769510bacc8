"""The network rule for requests a scenario writes: only the stack's own addresses.

At load time (the schema): an absolute `url:` must be http(s) on a loopback host
(127.0.0.0/8, localhost, ::1), written literally (no template in its scheme, host or port).
At run time (resolve): it must also be the address of the stack's entry, one of its services
or, where a caller allows it (http faults), Toxiproxy's API. A `path:` is always relative to
the entry, or to `service:`'s URL.

Requests the harness itself sends (probes, Toxiproxy's API, http faults, the load) never go
through a proxy from the environment (HTTP_PROXY and the like, which `requests` honours for
127.0.0.1 too): a proxy would get the stack's traffic, and probes would measure the proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

import requests

from harness.platforms.base import Endpoints

LOOPBACK_NAMES = ("localhost",)
PROXY_VARIABLES = frozenset(
    v
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for v in (name, name.upper())
)


def local_session() -> requests.Session:
    """A session for the stack's own addresses: no proxy, .netrc or CA bundle from the
    environment (requests reads them on every call otherwise: also a cost, at 20 probes a
    second)."""
    session = requests.Session()
    session.trust_env = False
    return session


def without_proxies(env: Mapping[str, str]) -> dict[str, str]:
    """The environment for a process that sends the load: the same, minus proxy variables."""
    return {k: v for k, v in env.items() if k not in PROXY_VARIABLES}


def loopback_problem(url: str) -> str | None:
    """Why `url` breaks the load-time rule, or None."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return f"'{url}' is not an http(s) URL"
    if "{" in parts.netloc:
        return f"'{url}': no template in the scheme, host or port"
    host = parts.hostname or ""
    if host in LOOPBACK_NAMES:
        return None
    try:
        if ipaddress.ip_address(host).is_loopback:
            return None
    except ValueError:
        pass
    return (
        f"'{url}' is not on loopback: probes and http faults reach only the stack's own "
        "addresses (127.0.0.0/8, localhost, ::1)"
    )


def _hostport(url: str) -> tuple[str, int | None]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host in LOOPBACK_NAMES:
        host = "127.0.0.1"
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return host, port


def stack_addresses(endpoints: Endpoints, *, toxiproxy: bool = False) -> dict[str, str]:
    """Name -> base URL of every address a request may reach on this stack."""
    out = {"entry": endpoints.entry_url}
    out.update({f"service {n}": u for n, u in endpoints.service_urls.items()})
    if toxiproxy:
        out["toxiproxy"] = endpoints.toxiproxy_url
    return out


def base_url(
    endpoints: Endpoints,
    *,
    service: str | None,
    url: str | None,
    toxiproxy: bool = False,
) -> str:
    """The URL a request goes to before its path: the entry, a service, or its own `url`
    (checked against the stack's addresses). Raises ValueError naming what is allowed."""
    if url is not None:
        allowed = stack_addresses(endpoints, toxiproxy=toxiproxy)
        where = _hostport(url)
        if any(_hostport(u) == where for u in allowed.values()):
            return url
        listed = ", ".join(f"{k} {v}" for k, v in allowed.items())
        raise ValueError(f"'{url}' is not an address of this stack ({listed})")
    if service is None:
        return endpoints.entry_url
    if service == "toxiproxy" and toxiproxy:
        return endpoints.toxiproxy_url
    if service not in endpoints.service_urls:
        known = ", ".join(sorted(endpoints.service_urls))
        raise ValueError(f"no service '{service}' on this stack (services: {known})")
    return endpoints.service_urls[service]

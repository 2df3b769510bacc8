"""Render HAProxy's configuration for a stack, with one of three failover profiles.

Profiles (docs/architecture.md has the measured effect of each):
- defaults:    HAProxy's own health-check timing (inter 2s, fall 3, rise 2), no redispatch.
- fast-checks: inter 500ms, fastinter 200ms, downinter 1s, fall 2, rise 2.
- recommended: fast checks + `retries 3`, `option redispatch 1`, L7 retries on transport
               failures (connection refused, empty or junk response, response timeout), and a
               2 s server timeout for reads (GET/HEAD), so a request stuck on a frozen replica
               is retried elsewhere after 2 s instead of hanging for the full 10 s.

`retry-on` deliberately leaves out 500/502/503/504: those are answers from a live server (the
shop's 503 when payment is down) and retrying them elsewhere multiplies load on a failing
dependency. A killed or frozen replica shows up as conn-failure, empty-response or
response-timeout, which are retried on another server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined

from harness.errors import StackError
from harness.names import is_url_path
from harness.stack.model import LbProfileName

_TOKEN = re.compile(r"[A-Za-z0-9_.:\[\]-]{1,128}")  # a name or an address: one config token


@dataclass(frozen=True)
class LbProfile:
    name: LbProfileName
    check_params: str
    retries: int
    redispatch: bool
    retry_on: str | None
    read_timeout: str | None = None  # server timeout for GET/HEAD (the rest: Timeouts.server)


PROFILES: dict[LbProfileName, LbProfile] = {
    "defaults": LbProfile("defaults", "inter 2s fall 3 rise 2", 3, False, None),
    "fast-checks": LbProfile(
        "fast-checks", "inter 500ms fastinter 200ms downinter 1s fall 2 rise 2", 3, False, None
    ),
    "recommended": LbProfile(
        "recommended",
        "inter 500ms fastinter 200ms downinter 1s fall 2 rise 2 "
        "observe layer4 error-limit 2 on-error mark-down",
        3,
        True,
        "conn-failure empty-response junk-response response-timeout",
        read_timeout="2s",
    ),
}


@dataclass(frozen=True)
class Server:
    name: str
    address: str  # host:port


@dataclass(frozen=True)
class Resolvers:
    """Resolve server names at run time, not only at start (Compose: Docker's embedded DNS).

    A container started again may get another address; HAProxy re-resolves every second and
    follows it. `init-addr last,libc,none` lets HAProxy start while a name does not resolve yet.
    """

    name: str = "docker"
    nameserver: str = "127.0.0.11:53"  # Docker's embedded DNS server, inside every container
    hold: str = "60s"  # keep the last address when DNS has no answer (a stopped container)


@dataclass(frozen=True)
class Timeouts:
    connect: str = "1s"
    client: str = "30s"
    server: str = "10s"  # above the shop's own checkout deadline, so the shop answers first
    check: str = "1s"


def render(
    *,
    stack: str,
    profile: LbProfileName,
    host: str,
    entry_port: int,
    backend: str,
    check_path: str,
    servers: list[Server],
    runtime_socket: str,
    threads: int = 1,
    timeouts: Timeouts | None = None,
    resolvers: Resolvers | None = None,
) -> str:
    """runtime_socket: a path (a UNIX socket, mode 600) or `ipv4@ADDR:PORT` (a TCP listener, for
    a containerised HAProxy whose runtime API is published to the host)."""
    _refuse_injection(stack, backend, check_path, servers)
    env = Environment(
        loader=PackageLoader("harness.lb", ""),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - renders a config file, not HTML
    )
    return env.get_template("haproxy.cfg.j2").render(
        stack=stack,
        profile=PROFILES[profile],
        host=host,
        entry_port=entry_port,
        backend=backend,
        check_path=check_path,
        servers=servers,
        runtime_socket=runtime_socket,
        threads=threads,
        timeouts=timeouts or Timeouts(),
        resolvers=resolvers,
    )


def _refuse_injection(stack: str, backend: str, check_path: str, servers: list[Server]) -> None:
    """Values from the stack description go into the config as single tokens: a newline or a
    space in one would add directives (`stats admin if TRUE`). The schema refuses them first;
    this is the last line of defence for any other caller."""
    tokens = [("stack name", stack), ("backend", backend)]
    tokens += [(f"server {i}", part) for i, s in enumerate(servers) for part in (s.name, s.address)]
    for what, value in tokens:
        if not _TOKEN.fullmatch(value):
            raise StackError(f"refusing to write {what} {value[:80]!r} into HAProxy's config")
    if not is_url_path(check_path):
        raise StackError(
            f"refusing to write the check path {check_path[:80]!r} into HAProxy's config"
        )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

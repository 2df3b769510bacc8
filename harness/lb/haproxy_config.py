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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from jinja2 import Environment, PackageLoader, StrictUndefined

from harness.errors import StackError
from harness.names import is_url_path
from harness.stack.lb_settings import LbSettings
from harness.stack.model import LbProfileName

_TOKEN = re.compile(r"[A-Za-z0-9_.:\[\]-]{1,128}")  # a name or an address: one config token


@dataclass(frozen=True)
class LbProfile:
    """A preset of failover settings; a stack file's `load_balancer.settings` override it."""

    name: LbProfileName
    inter: str
    fastinter: str | None
    downinter: str | None
    fall: int
    rise: int
    passive: bool  # observe layer4 error-limit 2 on-error mark-down
    retries: int
    redispatch: bool
    retry_on: tuple[str, ...]
    read_timeout: str | None = None  # server timeout for GET/HEAD (the rest: Timeouts.server)

    @property
    def check_params(self) -> str:
        parts = [f"inter {self.inter}"]
        parts += [f"fastinter {self.fastinter}"] if self.fastinter else []
        parts += [f"downinter {self.downinter}"] if self.downinter else []
        parts += [f"fall {self.fall}", f"rise {self.rise}"]
        parts += ["observe layer4 error-limit 2 on-error mark-down"] if self.passive else []
        return " ".join(parts)


PROFILES: dict[LbProfileName, LbProfile] = {
    "defaults": LbProfile("defaults", "2s", None, None, 3, 2, False, 3, False, ()),
    "fast-checks": LbProfile("fast-checks", "500ms", "200ms", "1s", 2, 2, False, 3, False, ()),
    "recommended": LbProfile(
        "recommended",
        "500ms",
        "200ms",
        "1s",
        2,
        2,
        passive=True,
        retries=3,
        redispatch=True,
        retry_on=("conn-failure", "empty-response", "junk-response", "response-timeout"),
        read_timeout="2s",
    ),
}


@dataclass(frozen=True)
class Check:
    """The health check HAProxy runs on each server: the same one the harness's readiness
    probe runs (an `exec` check has no HAProxy form: HAProxy checks the TCP port then)."""

    kind: Literal["http", "tcp"] = "http"
    path: str = "/readyz"
    status: int = 200
    host: str | None = None  # the Host header (frameworks with allowed-host checks need one)


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


def tuned(profile: LbProfileName, settings: LbSettings | None) -> tuple[LbProfile, Timeouts]:
    """The preset with a stack file's settings on top: every field given replaces the preset's."""
    base, timeouts = PROFILES[profile], Timeouts()
    if settings is None:
        return base, timeouts
    c, t = settings.checks, settings.timeouts
    read = base.read_timeout if t.read is None else (None if t.read in ("0", "0s") else t.read)
    prof = replace(
        base,
        inter=c.inter or base.inter,
        fastinter=c.fastinter or base.fastinter,
        downinter=c.downinter or base.downinter,
        fall=c.fall or base.fall,
        rise=c.rise or base.rise,
        passive=base.passive if c.passive is None else c.passive,
        retries=base.retries if settings.retries is None else settings.retries,
        redispatch=base.redispatch if settings.redispatch is None else settings.redispatch,
        retry_on=base.retry_on if settings.retry_on is None else tuple(settings.retry_on),
        read_timeout=read,
    )
    timeouts = Timeouts(
        connect=t.connect or timeouts.connect,
        client=t.client or timeouts.client,
        server=t.server or timeouts.server,
        check=t.check or timeouts.check,
    )
    return prof, timeouts


def render(
    *,
    stack: str,
    profile: LbProfileName,
    host: str,
    entry_port: int,
    backend: str,
    check: Check,
    servers: list[Server],
    runtime_socket: str,
    threads: int = 1,
    settings: LbSettings | None = None,
    resolvers: Resolvers | None = None,
) -> str:
    """runtime_socket: a path (a UNIX socket, mode 600) or `ipv4@ADDR:PORT` (a TCP listener, for
    a containerised HAProxy whose runtime API is published to the host)."""
    _refuse_injection(stack, backend, check, servers)
    env = Environment(
        loader=PackageLoader("harness.lb", ""),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        autoescape=False,  # noqa: S701 - renders a config file, not HTML
    )
    prof, timeouts = tuned(profile, settings)
    return env.get_template("haproxy.cfg.j2").render(
        stack=stack,
        profile=prof,
        tuned=settings is not None and settings != LbSettings(),
        host=host,
        entry_port=entry_port,
        backend=backend,
        check=check,
        servers=servers,
        runtime_socket=runtime_socket,
        threads=threads,
        timeouts=timeouts,
        resolvers=resolvers,
    )


def _refuse_injection(stack: str, backend: str, check: Check, servers: list[Server]) -> None:
    """Values from the stack description go into the config as single tokens: a newline or a
    space in one would add directives (`stats admin if TRUE`). The schema refuses them first;
    this is the last line of defence for any other caller."""
    tokens = [("stack name", stack), ("backend", backend)]
    tokens += [(f"server {i}", part) for i, s in enumerate(servers) for part in (s.name, s.address)]
    if check.host is not None:
        tokens.append(("check Host header", check.host))
    for what, value in tokens:
        if not _TOKEN.fullmatch(value):
            raise StackError(f"refusing to write {what} {value[:80]!r} into HAProxy's config")
    if not is_url_path(check.path):
        raise StackError(
            f"refusing to write the check path {check.path[:80]!r} into HAProxy's config"
        )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

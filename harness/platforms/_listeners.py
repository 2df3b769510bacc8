"""Nothing the stack starts may listen beyond loopback.

Toxiproxy's API has no authentication (any process that reaches it can open a proxy anywhere),
HAProxy's entry and the services are test systems: after the local platform has started its
processes, every TCP listener of each one's process tree (Toxiproxy's API and proxies, HAProxy,
the services and their workers, PostgreSQL) must be on 127.0.0.0/8 (or ::1). One that is not
stops `up`: the caller tears the stack down and reports which process listens where.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

from harness.errors import StackError


@dataclass(frozen=True)
class Listener:
    owner: str  # the stack's name for the process: shop-2, toxiproxy, postgres …
    pid: int  # the process with the socket (the owner or one of its children)
    ip: str
    port: int

    def describe(self) -> str:
        return f"{self.owner} (pid {self.pid}) listens on {self.ip}:{self.port}"


@dataclass(frozen=True)
class Owned:
    """A process the stack started, identified by (pid, create time)."""

    name: str
    pid: int
    create_time: float


def is_loopback(ip: str) -> bool:
    """127.0.0.0/8, ::1, or an IPv4-mapped loopback address; never a wildcard (0.0.0.0, ::)."""
    try:
        addr = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback


def listeners(owned: Owned) -> list[Listener]:
    """Every TCP listener of the process and its descendants (none when it has exited)."""
    try:
        root = psutil.Process(owned.pid)
        if abs(root.create_time() - owned.create_time) > 0.05:
            return []  # not ours any more
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []
    except psutil.Error as e:
        raise StackError(f"cannot check where {owned.name} (pid {owned.pid}) listens: {e}") from e
    found: list[Listener] = []
    for proc in tree:
        try:
            conns = proc.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        except psutil.Error as e:
            raise StackError(
                f"cannot check where {owned.name} (pid {proc.pid}) listens: {e}"
            ) from e
        found += [
            Listener(owned.name, proc.pid, c.laddr.ip, c.laddr.port)
            for c in conns
            if c.status == psutil.CONN_LISTEN and c.laddr
        ]
    return found


def exposed(procs: Iterable[Owned]) -> list[Listener]:
    """The listeners of these processes that are not on loopback."""
    return [lst for owned in procs for lst in listeners(owned) if not is_loopback(lst.ip)]


def require_loopback(procs: Iterable[Owned]) -> None:
    """StackError naming every listener beyond loopback, if there is one."""
    bad = exposed(procs)
    if bad:
        raise StackError(
            "the stack would listen beyond loopback: " + "; ".join(lst.describe() for lst in bad),
            hint="every process of a local stack must bind 127.0.0.1: pass `{host}` in the "
            "stack file's command instead of 0.0.0.0 (Toxiproxy's API and the services have no "
            "authentication); `up` stopped what it had started",
        )

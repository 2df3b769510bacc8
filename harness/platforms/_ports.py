"""Loopback ports: pick free ones, and name who holds a taken one."""

from __future__ import annotations

import contextlib
import socket

import psutil

from harness.errors import PortInUseError

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port the kernel says is free now (bind to 0). Racy by nature; callers bind soon after."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def holder(port: int) -> str | None:
    """'pid 1234 (haproxy)' for the process listening on `port`, when the OS lets us see it."""
    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN:
                if conn.pid is None:
                    return "another user's process"
                try:
                    return f"pid {conn.pid} ({psutil.Process(conn.pid).name()})"
                except psutil.Error:
                    return f"pid {conn.pid}"
    return None


def require_free(port: int, purpose: str, *, option: str | None = None) -> None:
    if is_free(port):
        return
    who = holder(port)
    held = f" by {who}" if who else ""
    hint = f"stop that process or choose another port with {option}" if option else None
    raise PortInUseError(f"port {port} ({purpose}) is already in use{held}", hint=hint)


def allocate(count: int, exclude: set[int] | None = None) -> list[int]:
    """`count` distinct free ports, none in `exclude`."""
    taken = set(exclude or ())
    out: list[int] = []
    while len(out) < count:
        p = free_port()
        if p not in taken:
            taken.add(p)
            out.append(p)
    return out

"""A service's ready check, run by the harness (start-up, `status`, a restart) and rendered for
HAProxy from the same description: the same path, expected status and Host header.

`exec` checks run on the harness's host (the local platform); HAProxy has no exec check and
checks the TCP port of such a backend instead.
"""

from __future__ import annotations

import socket
import subprocess
import sys

import requests

from harness.httpcall.network import local_session
from harness.lb.haproxy_config import Check
from harness.stack.health import Health
from harness.stack.model import StackSpec


def lb_check(spec: StackSpec) -> Check:
    """HAProxy's health check of the load balancer's backend."""
    health = spec.services[spec.load_balancer.backend].health
    if health.kind != "http":
        return Check(kind="tcp")
    http = health.http_check()
    return Check(kind="http", path=spec.check_path(), status=http.status, host=http.host)


def probe(health: Health | None, address: str, *, timeout: float = 0.5) -> str:
    """One check of the instance at host:port: "ready", "unready (…)", "unreachable", or "-"."""
    if health is None:
        return "-"
    if health.kind == "tcp":
        return _tcp(address, timeout)
    if health.exec:
        return _exec(health.exec, address, timeout)
    http = health.http_check()
    headers = {"Host": http.host} if http.host else {}
    try:
        with local_session() as session:
            r = session.get(f"http://{address}{http.path}", timeout=timeout, headers=headers)
    except requests.RequestException:
        return "unreachable"
    return "ready" if r.status_code == http.status else f"unready ({r.status_code})"


def _tcp(address: str, timeout: float) -> str:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return "ready"
    except OSError:
        return "unreachable"


def _exec(template: list[str], address: str, timeout: float) -> str:
    host, _, port = address.rpartition(":")
    argv = [
        part.format_map({"python": sys.executable, "host": host, "port": port}) for part in template
    ]
    try:
        done = subprocess.run(argv, capture_output=True, timeout=max(timeout, 5.0), check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unreachable"
    return "ready" if done.returncode == 0 else f"unready (exit {done.returncode})"

"""`shopchaos status --json`: every address of the stack and each instance's process tree, as
one JSON document (docs/cli.md has its fields)."""

from __future__ import annotations

from typing import Any

import psutil

from harness.errors import HarnessError
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.platforms.base import StackStatus


def status_document(st: StackStatus) -> dict[str, Any]:
    e = st.endpoints
    return {
        "platform": st.platform,
        "stack": st.stack,
        "healthy": st.healthy,
        "options": st.options.model_dump(),
        "addresses": {
            "entry": e.entry_url,
            "toxiproxy_api": e.toxiproxy_url,
            "haproxy_runtime": e.lb_runtime,
            "haproxy_backend": e.lb_backend,
            "database": e.database_url,
            "services": dict(e.service_urls),
        },
        "proxies": _proxies(st),
        "components": dict(st.components),
        "instances": [
            {
                "name": i.ref.name,
                "service": i.ref.service,
                "address": i.ref.address,
                "lb_server": i.ref.lb_server,
                "ident": i.ident,
                "process": i.process,
                "health": i.health,
                "lb_state": i.lb_state,
                "pids": pid_tree(i.ident),
            }
            for i in st.instances
        ],
    }


def _proxies(st: StackStatus) -> list[dict[str, Any]]:
    """Each Toxiproxy proxy: the dependency it stands for, where it listens, its upstream."""
    by_proxy = {proxy: dep for dep, proxy in st.endpoints.proxies.items()}
    try:
        proxies = ToxiproxyClient(st.endpoints.toxiproxy_url).proxies()
    except HarnessError as err:
        return [{"error": err.message}]
    return [
        {
            "name": p.name,
            "dependency": by_proxy.get(p.name),
            "listen": p.listen,
            "upstream": p.upstream,
            "enabled": p.enabled,
            "toxics": [t.name for t in p.toxics],
        }
        for p in proxies.values()
    ]


def pid_tree(ident: str) -> list[dict[str, Any]]:
    """The instance's process and every descendant (pid, name, status). A container's tree is
    read from its main process on the host when the Docker SDK can name it."""
    pid = int(ident) if ident.isdigit() else _container_pid(ident)
    if pid is None:
        return []
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return []
    out = []
    for p in procs:
        try:
            out.append({"pid": p.pid, "ppid": p.ppid(), "name": p.name(), "status": p.status()})
        except psutil.Error:
            continue
    return out


def _container_pid(ident: str) -> int | None:
    if ident in ("", "-"):
        return None
    try:
        from harness.platforms._docker import connect

        pid = connect(timeout=5).containers.get(ident).attrs["State"]["Pid"]
    except Exception:  # no engine, no such container: the tree is simply not shown
        return None
    return int(pid) if pid else None

"""A team's own Compose file, unchanged: what shopchaos adds to it through an override file.

The team's file (`compose_file:` in the stack file) stays as it is. The override, written into
the stack's state directory, adds:
- `shopchaos-haproxy` in front of the load balancer's backend, whose service is copied (as
  `docker compose config` resolves it) into one service per replica, `<service>-1..N`, each
  publishing its port on 127.0.0.1 (the team's own service is not started: nothing to fight
  over ports with);
- `shopchaos-toxiproxy` with one proxy per dependency of the stack file, and the dependency URLs
  rewired by environment (`services.<name>.compose_env`, e.g. PAYGATE_URL: "{dep_url[paygate]}");
- a published loopback port on each other instance and on the database, so the harness can
  probe them and reconcile.
Every other service of the team (database, one-shot migrations, workers) runs as written.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from harness.errors import StackError
from harness.platforms import _compose_files as files
from harness.platforms._secrets import with_password
from harness.platforms.base import ResolvedOptions
from harness.stack.model import StackSpec

FIRST_PROXY_PORT = 8666
DROP = ("ports", "container_name", "deploy", "scale")  # per-replica copies publish their own


def write(
    spec: StackSpec, opts: ResolvedOptions, state_dir: Path, team: dict[str, Any]
) -> tuple[Path, list[str]]:
    """Write haproxy.cfg, toxiproxy.json and the override; (override path, services to start)."""
    defined: dict[str, Any] = team.get("services") or {}
    lay = files.layout(spec)
    backend = spec.load_balancer.backend
    base = spec.services[backend].compose_service or backend
    _require(spec, defined, base, lay.db)
    state_dir.mkdir(parents=True, exist_ok=True)
    listen = {n: FIRST_PROXY_PORT + i for i, n in enumerate(spec.proxies(opts.db))}
    ctx = _context(spec, lay, listen)
    toxi = state_dir / "toxiproxy.json"
    toxi.write_text(json.dumps(_proxies(spec, opts, lay, listen), indent=2), encoding="utf-8")
    cfg = state_dir / "haproxy.cfg"
    cfg.write_text(files.haproxy_cfg(spec, opts), encoding="utf-8")
    networks = sorted((defined[base].get("networks") or {"default": None}).keys())
    services: dict[str, Any] = {
        lay.lb: {
            "image": "shopchaos/haproxy:latest",
            "volumes": [f"{cfg}:{files.LB_CONFIG_PATH}:ro"],
            "ports": [
                f"127.0.0.1:${{SHOPCHAOS_ENTRY_PORT}}:{files.LB_PORT}",
                f"127.0.0.1:${{SHOPCHAOS_LB_RUNTIME_PORT}}:{files.LB_RUNTIME_PORT}",
            ],
            "networks": networks,
            "restart": "no",
        },
        lay.toxiproxy: {
            "image": "shopchaos/toxiproxy:latest",
            "command": [
                "-host",
                "0.0.0.0",  # noqa: S104 - inside the container; the API is published on 127.0.0.1
                "-port",
                str(files.TOXIPROXY_PORT),
                "-config",
                "/config/toxiproxy.json",
            ],
            "volumes": [f"{toxi}:/config/toxiproxy.json:ro"],
            "ports": [f"127.0.0.1:${{SHOPCHAOS_TOXIPROXY_PORT}}:{files.TOXIPROXY_PORT}"],
            "networks": networks,
            "restart": "no",
            "healthcheck": {
                "test": ["CMD", "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{files.TOXIPROXY_PORT}"],
                "interval": "1s",
                "retries": 60,
            },
        },
        lay.db: {"ports": [f"127.0.0.1:${{SHOPCHAOS_POSTGRES_PORT}}:{lay.db_port}"]},
    }
    for inst in files.instances(spec, opts):
        svc = spec.services[inst.service]
        env = {k: v.format_map(ctx) for k, v in svc.compose_env.items()}
        port = f"127.0.0.1:${{{inst.port_variable}}}:{inst.port}"
        if inst.service != backend:
            services[inst.compose_service] = {"ports": [port], "environment": env}
            continue
        replica = {k: v for k, v in copy.deepcopy(defined[base]).items() if k not in DROP}
        replica["environment"] = {**(replica.get("environment") or {}), **env, **opts.backend_env}
        replica["ports"] = [port]
        replica["restart"] = "no"  # a killed replica stays dead until the harness starts it
        if listen:
            deps = replica.get("depends_on") or {}
            deps[lay.toxiproxy] = {"condition": "service_healthy"}
            replica["depends_on"] = deps
        services[inst.compose_service] = replica
    override = state_dir / "compose.override.yml"
    header = "# Written by `shopchaos up --platform compose` for this stack; do not edit.\n"
    override.write_text(header + yaml.safe_dump({"services": services}, sort_keys=False))
    replicas = [i.compose_service for i in files.instances(spec, opts)]
    start = [lay.lb, lay.toxiproxy, *(s for s in defined if s != base), *replicas]
    return override, list(dict.fromkeys(start))


def _require(spec: StackSpec, defined: dict[str, Any], base: str, db: str) -> None:
    wanted = {base, db} | {
        spec.services[n].compose_service or n
        for n in spec.services
        if n != spec.load_balancer.backend
    }
    missing = sorted(wanted - set(defined))
    if missing:
        raise StackError(
            f"the stack's Compose file defines no service {', '.join(missing)} "
            f"(it has: {', '.join(sorted(defined)) or 'none'})",
            hint="name each service's Compose service (services.<name>.compose_service, "
            "database.compose_service) in the stack file",
        )


def _context(spec: StackSpec, lay: files.Layout, listen: dict[str, int]) -> dict[str, object]:
    db = spec.database
    via_proxy = "database" in listen
    host = f"{lay.toxiproxy}:{listen['database']}" if via_proxy else f"{lay.db}:{lay.db_port}"
    return {
        "dep_url": {n: f"http://{lay.toxiproxy}:{p}" for n, p in listen.items()},
        "dep_addr": {n: f"{lay.toxiproxy}:{p}" for n, p in listen.items()},
        "db_url": with_password(f"postgresql://{db.user}@{host}/{db.name}", db.password or ""),
    }


def _proxies(
    spec: StackSpec, opts: ResolvedOptions, lay: files.Layout, listen: dict[str, int]
) -> list[dict[str, object]]:
    out = []
    for name, dep in spec.proxies(opts.db).items():
        if dep.upstream == "database":
            upstream = f"{lay.db}:{lay.db_port}"
        else:
            svc = spec.services[dep.upstream]
            port = dep.upstream_port or svc.port
            upstream = f"{svc.compose_service or dep.upstream}:{port}"
        out.append(
            {
                "name": name,
                "listen": f"0.0.0.0:{listen[name]}",
                "upstream": upstream,
                "enabled": True,
            }
        )
    return out

"""What the Compose platform expects of a Compose file, and the files it writes for each stack.

The contract (compose/README.md): infrastructure services named `haproxy` (entry on 8080, the
runtime API as a TCP stats socket on 9999), `toxiproxy` (API on 8474, one proxy per dependency,
named like it) and `postgres` (5432); one Compose service per instance, named like the
instance (`shop-1`..`shop-N` for the load balancer's backend, `payment`, `shipping`), listening
on the service's `port` from the stack description. Every published port is taken from a
variable (below) and bound to 127.0.0.1.

Per stack, `up` writes into its state directory the HAProxy config rendered for its options
and an override file that mounts it and adds the profile's environment to the backend replicas.
`python -m harness.platforms._compose_files` prints the config for the defaults: that is
compose/haproxy/haproxy.cfg (a unit test keeps the two equal).
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness.errors import StackError
from harness.lb import haproxy_config
from harness.platforms._health import lb_check
from harness.platforms._ports import LOOPBACK
from harness.platforms._secrets import with_password
from harness.platforms.base import Endpoints, InstanceRef, ResolvedOptions, StackOptions
from harness.platforms.compose_state import ComposeState
from harness.stack.model import DbKind, StackSpec

LB_SERVICE = "haproxy"
LB_PORT = 8080
LB_RUNTIME_PORT = 9999
LB_CONFIG_PATH = "/usr/local/etc/haproxy/haproxy.cfg"
TOXIPROXY_SERVICE = "toxiproxy"
TOXIPROXY_PORT = 8474
DB_SERVICE = "postgres"
DB_PORT = 5432
DB_PASSWORD_VARIABLE = "SHOPCHAOS_POSTGRES_PASSWORD"  # noqa: S105 - the variable's name
INFRA = (LB_SERVICE, TOXIPROXY_SERVICE, DB_SERVICE)
DB_KIND: DbKind = "postgres"  # the Compose stack's database (the shop reaches it through Toxiproxy)


@dataclass(frozen=True)
class Layout:
    """The services the harness itself reaches: in our Compose file (compose/), or added by the
    override to a team's own file (`compose_file:` in the stack file; _compose_override.py)."""

    lb: str = LB_SERVICE
    toxiproxy: str = TOXIPROXY_SERVICE
    db: str = DB_SERVICE
    db_port: int = DB_PORT

    @property
    def infra(self) -> tuple[str, str, str]:
        return (self.lb, self.toxiproxy, self.db)


def layout(spec: StackSpec) -> Layout:
    if spec.compose_file is None:
        return Layout()
    return Layout(
        lb="shopchaos-haproxy",
        toxiproxy="shopchaos-toxiproxy",
        db=spec.database.compose_service or DB_SERVICE,
        db_port=spec.database.port,
    )


@dataclass(frozen=True)
class Instance:
    name: str  # the harness's instance name, e.g. "shop-2"
    service: str  # the stack's service (replica group), e.g. "shop"
    compose_service: str  # the Compose service running it
    port: int  # its port inside the container

    @property
    def port_variable(self) -> str:
        return port_variable(self.compose_service)


def port_variable(compose_service: str) -> str:
    """SHOPCHAOS_PORT_SHOP_1 for shop-1: the variable its published port is read from."""
    return "SHOPCHAOS_PORT_" + "".join(c if c.isalnum() else "_" for c in compose_service).upper()


def project_name(stack: str, state_dir: Path) -> str:
    """One Compose project per stack and state directory: two checkouts never share one."""
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:8]
    return f"shopchaos-{stack}-{digest}"


def instances(spec: StackSpec, opts: ResolvedOptions) -> list[Instance]:
    out = []
    for service in spec.ordered_services():
        svc = spec.services[service]
        if svc.port is None:
            raise StackError(
                f"service '{service}' has no `port` in the stack description",
                hint="the Compose platform needs the port each service listens on in its "
                "container (services.<name>.port)",
            )
        base = svc.compose_service or service
        for name in spec.instance_names(service, opts.replicas):
            compose_service = base + name.removeprefix(service)  # shop-2 -> <base>-2
            out.append(Instance(name, service, compose_service, svc.port))
    return out


def endpoints(spec: StackSpec, state: ComposeState, *, db_password: str | None = None) -> Endpoints:
    """How the harness reaches a running stack: everything on 127.0.0.1 at its published port.

    The database URL carries the password (the stack file's, else `db_password`: the one `up`
    generated for our Compose file): in memory only, for reconciliation and the DR drill."""
    backend = spec.load_balancer.backend
    refs = tuple(
        InstanceRef(
            name=i.name,
            service=i.service,
            address=f"{LOOPBACK}:{state.instance_ports.get(i.name, 0)}",
            lb_server=i.name if i.service == backend else None,
        )
        for i in instances(spec, state.options)
    )
    service_urls: dict[str, str] = {}
    for ref in refs:
        service_urls.setdefault(ref.service, f"http://{ref.address}")
    db = spec.database
    database_url = f"postgresql://{db.user}@{LOOPBACK}:{state.db_port}/{db.name}"
    return Endpoints(
        entry_url=f"http://{LOOPBACK}:{state.entry_port}",
        toxiproxy_url=f"http://{LOOPBACK}:{state.toxiproxy_port}",
        lb_runtime=f"tcp:{LOOPBACK}:{state.runtime_port}",
        lb_backend=backend,
        instances=refs,
        proxies={name: name for name in spec.proxies(state.options.db)},
        database_url=with_password(database_url, db.password or db_password or ""),
        service_urls=service_urls,
    )


def haproxy_cfg(spec: StackSpec, opts: ResolvedOptions) -> str:
    backend = spec.load_balancer.backend
    servers = [
        haproxy_config.Server(i.name, f"{i.compose_service}:{i.port}")
        for i in instances(spec, opts)
        if i.service == backend
    ]
    return haproxy_config.render(
        stack=spec.name,
        profile=opts.lb_profile,
        host="0.0.0.0",  # noqa: S104 - inside the container; published on 127.0.0.1 only
        entry_port=LB_PORT,
        backend=backend,
        check=lb_check(spec),
        servers=servers,
        settings=spec.load_balancer.settings,
        runtime_socket=f"ipv4@0.0.0.0:{LB_RUNTIME_PORT}",
        resolvers=haproxy_config.Resolvers(),
    )


def override(spec: StackSpec, opts: ResolvedOptions, haproxy_cfg_path: Path) -> str:
    """The per-stack override: this stack's HAProxy config, the profile's env for the backend.

    The env is named, not valued (`environment: [NAME]`): Compose takes each value from the
    environment of `docker compose up`, so no value from the stack file is written to a file."""
    services: dict[str, dict[str, object]] = {
        LB_SERVICE: {"volumes": [f"{haproxy_cfg_path}:{LB_CONFIG_PATH}:ro"]}
    }
    if opts.backend_env:
        for inst in instances(spec, opts):
            if inst.service == spec.load_balancer.backend:
                services[inst.compose_service] = {"environment": sorted(opts.backend_env)}
    header = "# Written by `shopchaos up --platform compose` for this stack; do not edit.\n"
    return header + yaml.safe_dump({"services": services}, sort_keys=False)


def main() -> int:
    """Print the HAProxy config for the default stack and options (compose/haproxy/haproxy.cfg)."""
    from harness.stack.loader import load_stack

    spec, _ = load_stack(None)
    opts = StackOptions(db=DB_KIND).resolve(spec)
    sys.stdout.write(haproxy_cfg(spec, opts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

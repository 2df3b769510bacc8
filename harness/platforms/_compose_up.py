"""The steps of `up` on Compose that need no platform object: ports, files, checks, waits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from harness.errors import StackError, ToolMissingError
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms import _compose_files as files
from harness.platforms._compose_cli import ComposeCli
from harness.platforms._docker import published_port
from harness.platforms._lb_wait import wait_all_up
from harness.platforms._listeners import is_loopback
from harness.platforms._ports import allocate, require_free
from harness.platforms._private_files import private_dir, write_private
from harness.platforms.base import Endpoints, Progress, ResolvedOptions
from harness.platforms.compose_state import ComposeState
from harness.stack.model import StackSpec

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container


def port_variables(
    spec: StackSpec, opts: ResolvedOptions, entry_port: int, toxiproxy_port: int
) -> dict[str, str]:
    """The Compose file's port variables: the fixed ports asked for (checked free), free
    loopback ports for the rest."""
    for port, what, option in (
        (entry_port, "load balancer entry", "--entry-port"),
        (toxiproxy_port, "Toxiproxy API", "--toxiproxy-port"),
    ):
        if port:
            require_free(port, what, option=option)
    insts = files.instances(spec, opts)
    pool = allocate(4 + len(insts), exclude={p for p in (entry_port, toxiproxy_port) if p})
    return {
        "SHOPCHAOS_ENTRY_PORT": str(entry_port or pool.pop()),
        "SHOPCHAOS_TOXIPROXY_PORT": str(toxiproxy_port or pool.pop()),
        "SHOPCHAOS_LB_RUNTIME_PORT": str(pool.pop()),
        "SHOPCHAOS_POSTGRES_PORT": str(pool.pop()),
    } | {i.port_variable: str(pool.pop()) for i in insts}


def write_files(spec: StackSpec, opts: ResolvedOptions, state_dir: Path) -> Path:
    """This stack's HAProxy config and the override that mounts it; the override's path.

    The state directory is 0700 and the override 0600; the HAProxy config is 0644 because the
    container's `haproxy` user reads it through its bind mount (it holds no secret)."""
    private_dir(state_dir)
    cfg = state_dir / "haproxy.cfg"
    override = state_dir / "compose.override.yml"
    cfg.write_text(files.haproxy_cfg(spec, opts), encoding="utf-8")
    cfg.chmod(0o644)
    write_private(override, files.override(spec, opts, cfg))
    return override


def check_model(cli: ComposeCli, state: ComposeState, client: DockerClient) -> None:
    """Every service we start is in the Compose file, and every image is built."""
    import docker

    defined = cli.config().get("services") or {}
    missing = [s for s in state.services if s not in defined]
    if missing:
        raise StackError(
            f"{cli.files[0]} defines no service {', '.join(missing)} "
            f"(needed for {state.options.replicas} replicas)",
            hint="add one service per replica to the Compose file, or ask for fewer",
        )
    for svc, conf in defined.items():
        image = conf.get("image")
        if not image:
            continue
        try:
            client.images.get(image)
        except docker.errors.ImageNotFound as e:
            raise ToolMissingError(
                f"the image {image} (service {svc}) is not built",
                hint="run `make compose-setup` (builds every image of the stack, no registry "
                "needed)",
            ) from e


def require_loopback_ports(containers: dict[str, Container]) -> None:
    """Every port the project's containers publish is bound to a loopback address."""
    bad = []
    for service, c in sorted(containers.items()):
        bindings = (c.attrs.get("HostConfig") or {}).get("PortBindings") or {}
        for inside, binds in bindings.items():
            for b in binds or []:
                host_ip = b.get("HostIp") or "0.0.0.0"  # noqa: S104 - Docker's default: all
                if not is_loopback(host_ip):
                    bad.append(f"{service} publishes {inside} on {host_ip}:{b.get('HostPort')}")
    if bad:
        raise StackError(
            "the stack would listen beyond loopback: " + "; ".join(bad),
            hint="publish every port on 127.0.0.1 (`127.0.0.1:${VAR}:PORT` in the Compose "
            "file): Toxiproxy's API and HAProxy's runtime API have no authentication",
        )


def read_ports(spec: StackSpec, state: ComposeState, containers: dict[str, Container]) -> None:
    """Fill in the host ports the engine actually published (the truth, whatever the file)."""

    def port(service: str, inside: int) -> int:
        c = containers.get(service)
        host_port = published_port(c, inside) if c is not None else None
        if host_port is None:
            raise StackError(
                f"the Compose service {service} publishes no port for {inside}/tcp",
                hint="publish it on 127.0.0.1 (compose/README.md lists what the harness reaches)",
            )
        return host_port

    lay = files.layout(spec)
    state.entry_port = port(lay.lb, files.LB_PORT)
    state.runtime_port = port(lay.lb, files.LB_RUNTIME_PORT)
    state.toxiproxy_port = port(lay.toxiproxy, files.TOXIPROXY_PORT)
    state.db_port = port(lay.db, lay.db_port)
    state.instance_ports = {
        i.name: port(i.compose_service, i.port) for i in files.instances(spec, state.options)
    }


def wait_serving(
    endpoints: Endpoints, progress: Progress, lb_log: Callable[[], str], timeout: float = 30.0
) -> None:
    """Toxiproxy has every proxy the stack needs; HAProxy has every backend server UP."""
    proxies = ToxiproxyClient(endpoints.toxiproxy_url).proxies()
    lacking = sorted(set(endpoints.proxies) - set(proxies))
    if lacking:
        raise StackError(
            f"Toxiproxy has no proxy named {', '.join(lacking)} "
            f"(it has: {', '.join(sorted(proxies)) or 'none'})",
            hint="add them to the Toxiproxy config file the Compose file loads",
        )
    progress("waiting for HAProxy to mark every backend server UP")
    wait_all_up(
        HAProxyRuntime(endpoints.lb_runtime), endpoints.lb_backend, log=lb_log, timeout=timeout
    )

"""The Docker engine through the Docker SDK: one Compose project's containers, networks, volumes.

Containers are found by Compose's labels (project, service), so this works without the Compose
file and after a crash. Every wait has a deadline. The SDK is imported lazily (it is only needed
on the Compose platform).
"""

from __future__ import annotations

import os
import socket
import time
from typing import TYPE_CHECKING, Any

from harness.errors import PlatformUnavailableError, StackError
from harness.platforms.base import ProcessState

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
ONEOFF_LABEL = "com.docker.compose.oneoff"

ENGINE_HINT = (
    "run `make compose-setup` (installs Docker and starts dockerd when none runs), "
    "or start the engine yourself (`sudo systemctl start docker`)"
)


def connect(timeout: float = 30.0) -> DockerClient:
    """A client of the engine at DOCKER_HOST (default: the local socket), checked with a ping."""
    import docker
    import requests

    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    client: DockerClient | None = None
    try:
        if where.startswith("unix://"):
            _check_socket(where.removeprefix("unix://"))
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except (OSError, docker.errors.DockerException, requests.RequestException) as e:
        if client is not None:
            client.close()
        raise PlatformUnavailableError(
            f"the Docker engine is not reachable at {where}: {e}", hint=ENGINE_HINT
        ) from e
    return client


def _check_socket(path: str) -> None:
    """Connect once ourselves: docker-py leaks the socket when the engine is not there."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect(path)


def state_of(container: Container) -> ProcessState:
    status = container.status  # created, restarting, running, removing, paused, exited, dead
    if status == "paused":
        return "paused"
    return "running" if status in ("running", "restarting") else "exited"


def published_port(container: Container, port: int) -> int | None:
    """The host port `port/tcp` is published on (configured bindings: known while stopped too)."""
    bindings = (container.attrs.get("HostConfig") or {}).get("PortBindings") or {}
    for b in bindings.get(f"{port}/tcp") or []:
        if b.get("HostPort"):
            return int(b["HostPort"])
    live = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    for b in live.get(f"{port}/tcp") or []:
        if b.get("HostPort"):
            return int(b["HostPort"])
    return None


def logs_tail(container: Container, lines: int = 20) -> str:
    try:
        raw: bytes = container.logs(tail=lines)
    except Exception as e:
        return f"(no logs: {e})"
    return raw.decode("utf-8", errors="replace").rstrip() or "(no output)"


class Project:
    """The containers, networks and volumes Compose labelled with one project name."""

    def __init__(self, client: DockerClient, name: str) -> None:
        self.client = client
        self.name = name
        self._filter = {"label": f"{PROJECT_LABEL}={name}"}

    def containers(self) -> dict[str, Container]:
        """Service name -> its container (one-off `compose run` containers left out)."""
        out: dict[str, Container] = {}
        for c in self.client.containers.list(all=True, filters=self._filter):
            labels = c.labels
            if labels.get(ONEOFF_LABEL, "False") == "True":
                continue
            out.setdefault(labels.get(SERVICE_LABEL, c.name), c)
        return out

    def container(self, service: str) -> Container:
        import docker

        labels = [f"{PROJECT_LABEL}={self.name}", f"{SERVICE_LABEL}={service}"]
        found = self.client.containers.list(all=True, filters={"label": labels})
        if not found:
            raise StackError(
                f"no container for '{service}' in Compose project {self.name}",
                hint="is the stack up? `shopchaos status --platform compose`",
            )
        try:
            found[0].reload()
        except docker.errors.NotFound as e:
            raise StackError(f"the container of '{service}' was removed meanwhile") from e
        return found[0]

    def failure_report(self) -> str:
        """The containers neither running (healthy) nor a finished one-shot, with their logs."""
        lines = []
        for svc, c in sorted(self.containers().items()):
            st = c.attrs.get("State") or {}
            health = (st.get("Health") or {}).get("Status")
            if c.status == "running" and health in (None, "healthy"):
                continue
            if c.status == "exited" and st.get("ExitCode") == 0:
                continue
            lines.append(f"{svc}: {c.status}{f' ({health})' if health else ''}; last lines:")
            lines.append(logs_tail(c))
        return "".join(f"\n{line}" for line in lines)

    def networks(self) -> list[Any]:
        return list(self.client.networks.list(filters=self._filter))

    def leftovers(self) -> list[str]:
        """Everything of the project the engine still has: 'container x', 'network y', ..."""
        containers = self.client.containers.list(all=True, filters=self._filter)
        found = [f"container {c.name}" for c in containers]
        found += [f"network {n.name}" for n in self.networks()]
        found += [f"volume {v.name}" for v in self.client.volumes.list(filters=self._filter)]
        return found

    def remove_all(self) -> list[str]:
        """Force-remove whatever `compose down` left (or all of it when Compose is unusable)."""
        import docker

        removed = []
        kinds: list[tuple[str, Any]] = [
            ("container", lambda: self.client.containers.list(all=True, filters=self._filter)),
            ("network", self.networks),
            ("volume", lambda: self.client.volumes.list(filters=self._filter)),
        ]
        for kind, lister in kinds:
            for obj in lister():
                try:
                    obj.remove(**({"force": True, "v": True} if kind == "container" else {}))
                except docker.errors.NotFound:
                    continue
                except docker.errors.APIError as e:
                    raise StackError(f"could not remove {kind} {obj.name}: {e}") from e
                removed.append(f"{kind} {obj.name}")
        return removed


def wait_state(container: Container, wanted: ProcessState, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        container.reload()
        if state_of(container) == wanted:
            return
        if time.monotonic() > deadline:
            raise StackError(
                f"{what}: still {container.status} after {timeout:g}s (wanted {wanted})"
            )
        time.sleep(0.02)

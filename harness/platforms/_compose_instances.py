"""Faults on one container of the Compose stack, through the Docker SDK, each with a deadline.

kill (SIGKILL), terminate (docker stop: SIGTERM, SIGKILL after the grace period), pause
(the cgroup freezer: the process keeps its sockets but answers nothing), resume, start (and wait
until its ready endpoint answers 200 on its published port), and the partition: disconnect the
container from its networks, reconnect it under its Compose service name.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from harness.errors import StackError
from harness.platforms._docker import logs_tail, state_of, wait_state
from harness.platforms._health import probe
from harness.platforms._readiness import wait_for
from harness.stack.health import Health

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

STOP_GRACE = 15  # seconds, as on the local platform


@contextmanager
def engine_errors(what: str) -> Iterator[None]:
    """The engine refusing an operation becomes a StackError naming it."""
    import docker

    try:
        yield
    except docker.errors.APIError as e:
        raise StackError(f"{what}: the Docker engine refused: {e.explanation or e}") from e


def kill(c: Container, name: str) -> None:
    with engine_errors(f"docker kill {name}"):
        if state_of(c) == "paused":
            c.unpause()  # a frozen process cannot be killed until it is thawed
        c.kill()
    wait_state(c, "exited", f"{name} after SIGKILL", timeout=10)


def terminate(c: Container, name: str) -> None:
    with engine_errors(f"docker stop {name}"):
        if state_of(c) == "paused":
            c.unpause()
        c.stop(timeout=STOP_GRACE)
    wait_state(c, "exited", f"{name} after docker stop", timeout=STOP_GRACE + 10)


def pause(c: Container, name: str, attempts: int = 4) -> None:
    """docker pause. runc's "unable to freeze" is transient (a process of the container was in
    an uninterruptible state while the cgroup froze; seen on a loaded machine): tried again."""
    import docker

    if state_of(c) != "running":
        raise StackError(f"cannot pause {name}: it is {c.status}")
    for attempt in range(attempts):
        try:
            with engine_errors(f"docker pause {name}"):
                c.pause()
            break
        except StackError as e:
            cause = e.__cause__
            transient = isinstance(cause, docker.errors.APIError) and "unable to freeze" in str(
                cause
            )
            if not transient or attempt == attempts - 1:
                raise
            time.sleep(0.1)
    wait_state(c, "paused", f"{name} after docker pause", timeout=5)


def resume(c: Container, name: str) -> None:
    if state_of(c) != "paused":
        return
    with engine_errors(f"docker unpause {name}"):
        c.unpause()
    wait_state(c, "running", f"{name} after docker unpause", timeout=5)


def start(c: Container, name: str, address: str, health: Health | None, timeout: float) -> None:
    """Start an exited container; return when its ready endpoint answers 200 (or fail fast)."""
    if state_of(c) != "exited":
        return
    with engine_errors(f"docker start {name}"):
        c.start()

    def alive() -> None:
        c.reload()
        if state_of(c) == "exited":
            raise StackError(
                f"{name} exited during start-up; last lines of its log:\n{logs_tail(c)}"
            )

    wait_for(
        f"{name} to be ready ({address})",
        lambda: probe(health, address) in ("ready", "-"),
        timeout=timeout,
        alive=alive,
    )


def attached_networks(c: Container) -> list[str]:
    c.reload()
    return sorted(((c.attrs.get("NetworkSettings") or {}).get("Networks") or {}).keys())


def disconnect(client: DockerClient, c: Container, networks: list[str], name: str) -> None:
    for net in networks:
        with engine_errors(f"docker network disconnect {net} {name}"):
            client.networks.get(net).disconnect(c, force=True)


def reconnect(
    client: DockerClient, c: Container, networks: list[str], alias: str, name: str
) -> None:
    """Connect again under the Compose service name, so the others resolve it as before."""
    attached = set(attached_networks(c))
    for net in networks:
        if net in attached:
            continue
        with engine_errors(f"docker network connect {net} {name}"):
            client.networks.get(net).connect(c, aliases=[alias])

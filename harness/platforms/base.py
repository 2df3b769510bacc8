"""The Platform protocol: what the harness needs from wherever the stack runs.

Two implementations: local.py (plain processes on loopback, the embedded default) and
compose.py (Docker Compose). One contract test suite (tests/integration/test_platform_contract.py)
runs against both. Optional abilities are separate protocols (SupportsPartition).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict

from harness.errors import InputError, Problem
from harness.stack.model import DbKind, LbProfileName, StackSpec

Progress = Callable[[str], None]
ProcessState = Literal["running", "paused", "exited"]
REDACTED = "<redacted>"  # an env value from the stack file, in state files and run records


def no_progress(_: str) -> None:
    return None


class StackOptions(BaseModel):
    """What a stack is brought up with. A scenario may ask for a profile; see `satisfies`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replicas: int | None = None  # replicas of the LB backend service; None = the spec's
    db: DbKind | None = None  # None = the spec's database kind
    profile: str = "default"  # a named profile of the stack spec
    lb_profile: LbProfileName | None = None  # overrides the profile's and the spec's

    def resolve(self, spec: StackSpec, *, db_default: DbKind | None = None) -> ResolvedOptions:
        """Fill in the spec's defaults. db_default: the platform's database when none is asked
        for (Compose runs PostgreSQL); without one, the spec's `database.kind`."""
        if self.profile != "default" and self.profile not in spec.profiles:
            known = ", ".join(sorted({"default", *spec.profiles}))
            raise InputError(
                None,
                [Problem("profile", f"unknown profile '{self.profile}'", hint=f"known: {known}")],
            )
        prof = spec.profiles.get(self.profile)
        backend = spec.load_balancer.backend
        return ResolvedOptions(
            replicas=self.replicas or spec.services[backend].replicas,
            db=self.db or db_default or spec.database.kind,
            profile=self.profile,
            lb_profile=self.lb_profile
            or (prof.lb_profile if prof else None)
            or spec.load_balancer.profile,
            backend_env=profile_env(spec, self.profile),
        )


def profile_env(spec: StackSpec, profile: str) -> dict[str, str]:
    """The env a profile gives the LB backend, with its values: from the stack file (state
    files keep only the names, so a platform reads the values here again)."""
    prof = spec.profiles.get(profile)
    return dict(prof.env) if prof else {}


class ResolvedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    replicas: int
    db: DbKind
    profile: str
    lb_profile: LbProfileName
    backend_env: dict[str, str]

    def describe(self) -> str:
        return (
            f"replicas={self.replicas}, db={self.db}, profile={self.profile}, "
            f"lb_profile={self.lb_profile}"
        )

    def redacted(self) -> ResolvedOptions:
        """The same options with the profile's env values hidden (names kept): what state files
        and run records keep. The values come from the stack file, whose content is hashed."""
        return self.model_copy(update={"backend_env": dict.fromkeys(self.backend_env, REDACTED)})


@dataclass(frozen=True)
class InstanceRef:
    name: str  # e.g. "shop-2"; unique in the stack
    service: str  # the replica group, e.g. "shop"
    address: str  # host:port reachable from the harness
    lb_server: str | None = None  # its server name in the LB backend, when behind the LB


@dataclass(frozen=True)
class Endpoints:
    entry_url: str  # the load balancer's frontend
    toxiproxy_url: str  # Toxiproxy's API
    lb_runtime: str  # "unix:/path" or "tcp:host:port" (HAProxy runtime API)
    lb_backend: str
    instances: tuple[InstanceRef, ...]
    proxies: dict[str, str]  # dependency name -> Toxiproxy proxy name
    database_url: str  # as reachable from the harness (reconciliation)
    service_urls: dict[str, str] = field(default_factory=dict)  # service -> base URL (first)

    def instance(self, name: str) -> InstanceRef:
        for inst in self.instances:
            if inst.name == name:
                return inst
        raise KeyError(name)

    def group(self, service: str) -> list[InstanceRef]:
        return [i for i in self.instances if i.service == service]


@dataclass(frozen=True)
class InstanceStatus:
    ref: InstanceRef
    ident: str  # pid or container id
    process: ProcessState
    health: str  # "ready", "unready (503)", "unreachable"
    lb_state: str | None  # the LB's view, e.g. "UP", "DOWN 1/2", None when not behind the LB


@dataclass(frozen=True)
class StackStatus:
    platform: str
    stack: str
    options: ResolvedOptions
    endpoints: Endpoints
    instances: tuple[InstanceStatus, ...]
    components: dict[str, str]  # infrastructure (haproxy, toxiproxy, postgres) -> state

    @property
    def healthy(self) -> bool:
        return all(
            i.process == "running" and i.health == "ready" and (i.lb_state in (None, "UP"))
            for i in self.instances
        ) and all(v == "running" for v in self.components.values())


@runtime_checkable
class Platform(Protocol):
    """Where a stack runs. Instance operations take an instance name from endpoints()."""

    name: str
    spec: StackSpec
    state_dir: Path  # the stack's own directory: state, logs, secrets, lock (_lock.py), journals

    def resolve(self, options: StackOptions) -> ResolvedOptions:
        """What `up(options)` would run: the options with this platform's defaults filled in."""

    def up(
        self, options: StackOptions, progress: Progress = no_progress, *, restart: bool = False
    ) -> Endpoints:
        """Start the stack and wait until every instance is ready and UP in the LB.

        Already up from the same stack file content with the same options: adopt it. Otherwise
        (another file content, other options) restart it when `restart`, else StackError. Holds
        the stack's lock (_lock.py) meanwhile: StackBusy if another process holds it.
        """

    def down(self, progress: Progress = no_progress) -> list[str]:
        """Stop everything this stack started (also after a crash); say what was stopped."""

    def is_up(self) -> bool: ...

    def options(self) -> ResolvedOptions | None:
        """The options the running stack was started with, or None when it is not up."""

    def endpoints(self) -> Endpoints: ...

    def status(self) -> StackStatus: ...

    def process_state(self, instance: str) -> ProcessState: ...

    def kill(self, instance: str) -> None:
        """SIGKILL (docker kill): the instance dies at once, no graceful shutdown."""

    def terminate(self, instance: str) -> None:
        """SIGTERM (docker stop) and wait, bounded, for a graceful exit."""

    def pause(self, instance: str) -> None:
        """Freeze it (SIGSTOP / docker pause): it still holds its socket but answers nothing."""

    def resume(self, instance: str) -> None: ...

    def start(self, instance: str) -> None:
        """Start an exited instance again with the same address; wait until it is ready."""

    def restart(self, instance: str) -> None:
        """terminate() then start()."""


@runtime_checkable
class ReportsProcesses(Protocol):
    """Optional: the host pids of every process of the stack (infrastructure included), so the
    harness can tell the CPU its own stack used from what something else on the machine used."""

    def process_ids(self) -> list[int]: ...


def with_descendants(pids: list[int]) -> list[int]:
    """The processes and every descendant of them that is still alive."""
    import psutil

    out: set[int] = set()
    for pid in pids:
        try:
            root = psutil.Process(pid)
            out.add(pid)
            out.update(c.pid for c in root.children(recursive=True))
        except psutil.Error:
            continue
    return sorted(out)


@runtime_checkable
class SupportsPartition(Protocol):
    """Optional: cut an instance off the network and reconnect it (Compose)."""

    def partition(self, instance: str) -> None: ...

    def heal(self, instance: str) -> None: ...

    def is_partitioned(self, instance: str) -> bool: ...


@runtime_checkable
class SupportsDatabaseAdmin(Protocol):
    """Optional: back up, destroy and restore the stack's database (the DR drill)."""

    def backup_database(self, dest: Path) -> None:
        """A consistent backup of the database as of the moment it starts."""

    def destroy_database(self) -> None:
        """Drop the database, cutting every connection: the disaster."""

    def restore_database(self, src: Path) -> None:
        """Create the database again from a backup."""

    def database_exists(self) -> bool:
        """Whether the stack's database exists (a DR drill cut short may have dropped it)."""

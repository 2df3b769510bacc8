"""The Compose platform: the stack as Docker containers, brought up by `docker compose`.

`up` renders this stack's HAProxy config and a small override file into the state directory,
picks free loopback ports for everything the harness reaches (passed to the Compose file as
variables), runs `docker compose up --wait` with a per-stack project name, then waits until
HAProxy has every backend server UP. Instance faults go through the Docker SDK (kill, stop,
pause, start); a partition disconnects the container from the project's networks; the DR
drill backs up, drops and restores the published PostgreSQL with the host's client tools. `down` is
`docker compose down -v --remove-orphans` followed by a sweep of anything still labelled with
the project, so it also cleans up after a crash or a lost state file. Conventions the Compose
file must follow: _compose_files.py and compose/README.md.

`up`, `down` and `status` are the lifecycle shared with the local platform (_lifecycle.py): they
hold the stack's lock (_lock.py) and `up` adopts a running stack only when the stack file and
the Compose file have the same content and the options match (_adopt.py). The profile's env
values reach the containers through the environment of `docker compose up` (the override names
them only), every published port must be on loopback, and the state directory is 0700 with
stack.json 0600 (the HAProxy config stays 0644: the container's `haproxy` user reads it through
its bind mount; it holds no secret).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from harness import tools
from harness.errors import PlatformUnavailableError, StackError, ToolMissingError
from harness.platforms import _compose_files as files
from harness.platforms import _compose_instances as ops
from harness.platforms import _compose_override as own
from harness.platforms import _compose_up as steps
from harness.platforms import _docker, _secrets
from harness.platforms._compose_cli import ComposeCli, check_plugin
from harness.platforms._lifecycle import Seen, StackLifecycle
from harness.platforms._pg_admin import PgAdminAbility
from harness.platforms._ports import LOOPBACK
from harness.platforms.base import (
    Endpoints,
    ProcessState,
    Progress,
    ResolvedOptions,
    profile_env,
    with_descendants,
)
from harness.platforms.compose_state import ComposeState
from harness.stack.model import StackSpec

if TYPE_CHECKING:
    from docker import DockerClient
    from docker.models.containers import Container

UP_TIMEOUT = 180.0  # `docker compose up --wait`: every health check green within this


def default_compose_file() -> Path:
    """SHOPCHAOS_COMPOSE_FILE, else compose/docker-compose.yml of this checkout (or cwd)."""
    if env := os.environ.get("SHOPCHAOS_COMPOSE_FILE"):
        return Path(env)
    root = tools.project_root() or Path.cwd()
    return root / "compose" / "docker-compose.yml"


class ComposePlatform(StackLifecycle[ComposeState], PgAdminAbility):
    """up/down/status come from StackLifecycle (_lifecycle.py); the hooks are below."""

    name = "compose"
    title = "Compose"
    undo = "removing"
    db_default = files.DB_KIND
    state_model = ComposeState

    def __init__(
        self,
        spec: StackSpec,
        state_dir: Path,
        *,
        spec_path: Path | None = None,
        compose_file: Path | None = None,
        entry_port: int = 8080,
        toxiproxy_port: int = 8474,
    ) -> None:
        """compose_file: else the stack file's `compose_file:`, else default_compose_file()."""
        super().__init__(
            spec,
            state_dir,
            spec_path=spec_path,
            entry_port=entry_port,
            toxiproxy_port=toxiproxy_port,
        )
        own_file = spec.base_dir / spec.compose_file if spec.compose_file else None
        self.compose_file = (compose_file or own_file or default_compose_file()).resolve()
        existing = self.store.load_lenient()  # the project it runs under, also if renamed since
        self.project = existing.project if existing else files.project_name(spec.name, state_dir)
        self._client: DockerClient | None = None

    # ---------------------------------------------------------------- lifecycle hooks

    def _check_options(self, resolved: ResolvedOptions) -> None:
        if resolved.db != files.DB_KIND:
            raise StackError(
                f"the Compose stack runs {files.DB_KIND}; --db {resolved.db} is for the local "
                "platform",
                hint="leave out --db, or use --platform local",
            )

    def _source_files(self) -> list[Path | None]:
        return [self.spec_path, self.compose_file]

    def _leftovers(self) -> bool:
        return bool(self.docker().leftovers())

    def _started(self, state: ComposeState) -> list[str]:
        """The project's containers (what `docker compose up` created before it was cut short)."""
        try:
            return sorted(self.docker().containers())
        except PlatformUnavailableError:
            return ["unknown (the Docker engine is not reachable)"]

    def _observe(self, state: ComposeState) -> Seen:
        containers = self.docker().containers()
        seen: dict[str, tuple[str, ProcessState]] = {}
        for inst in files.instances(self.spec, state.options):
            if (c := containers.get(inst.compose_service)) is not None:
                seen[inst.name] = (c.short_id, _docker.state_of(c))
        components = {
            svc: _docker.state_of(containers[svc]) if svc in containers else "missing"
            for svc in files.layout(self.spec).infra
        }
        return Seen(instances=seen, components=components, lb_alive=True)

    # ---------------------------------------------------------------- instance operations

    def process_state(self, instance: str) -> ProcessState:
        return _docker.state_of(self._container(instance))

    def process_ids(self) -> list[int]:
        """The host pids of every container of the project, and their descendants."""
        pids = []
        for c in self.docker().containers().values():
            pid = (c.attrs.get("State") or {}).get("Pid")
            if pid:
                pids.append(int(pid))
        return with_descendants(pids)

    def kill(self, instance: str) -> None:
        ops.kill(self._container(instance), instance)

    def terminate(self, instance: str) -> None:
        ops.terminate(self._container(instance), instance)

    def pause(self, instance: str) -> None:
        ops.pause(self._container(instance), instance)

    def resume(self, instance: str) -> None:
        ops.resume(self._container(instance), instance)

    def start(self, instance: str) -> None:
        state = self._require()
        inst = self._instance(state, instance)
        svc = self.spec.services[inst.service]
        ops.start(
            self.docker().container(inst.compose_service),
            instance,
            f"{LOOPBACK}:{state.instance_ports[instance]}",
            svc.health,
            timeout=svc.local.ready_timeout if svc.local else 30.0,
        )

    def restart(self, instance: str) -> None:
        self.terminate(instance)
        self.start(instance)

    # ---------------------------------------------------------------- partition (SupportsPartition)

    def partition(self, instance: str) -> None:
        """Disconnect the container from the project's networks (state saved first, so a
        harness that dies right after still knows what to reconnect)."""
        with self.store.locked():
            state = self._require()
            c = self._container(instance, state)
            ours = {n.name for n in self.docker().networks()}
            nets = [n for n in ops.attached_networks(c) if n in ours]
            state.partitioned[instance] = sorted({*state.partitioned.get(instance, []), *nets})
            self.store.save(state)
            ops.disconnect(self._engine(), c, nets, instance)

    def heal(self, instance: str) -> None:
        with self.store.locked():
            state = self._require()
            inst = self._instance(state, instance)
            nets = state.partitioned.get(instance, [])
            c = self.docker().container(inst.compose_service)
            ops.reconnect(self._engine(), c, nets, inst.compose_service, instance)
            state.partitioned.pop(instance, None)
            self.store.save(state)

    def is_partitioned(self, instance: str) -> bool:
        return instance in self._require().partitioned

    # ---------------------------------------------------------------- the database (DR drill)

    def direct_database_url(self) -> str:
        return self.endpoints().database_url

    # ---------------------------------------------------------------- internals: starting

    def _plan(self, opts: ResolvedOptions, digests: dict[str, str]) -> ComposeState:
        check_plugin()
        if not self.compose_file.is_file():
            raise ToolMissingError(
                f"no Compose file at {self.compose_file}",
                hint="set SHOPCHAOS_COMPOSE_FILE to your stack's docker-compose.yml",
            )
        env = steps.port_variables(self.spec, opts, self.entry_port, self.toxiproxy_port)
        insts = files.instances(self.spec, opts)
        services = [*files.INFRA, *(i.compose_service for i in insts)]
        if self.spec.compose_file is None:
            override = steps.write_files(self.spec, opts, self.state_dir)
        else:  # a team's own file, unchanged: HAProxy, Toxiproxy, replicas added by an override
            team = ComposeCli(self.project, [self.compose_file], env).config()
            override, services = own.write(self.spec, opts, self.state_dir, team)
        state = ComposeState(
            project=self.project,
            stack=self.spec.name,
            spec_path=str(self.spec_path) if self.spec_path else None,
            files=digests,
            compose_files=[str(self.compose_file), str(override)],
            options=opts.redacted(),
            services=services,
            env=env,
        )
        steps.check_model(self._cli(state), state, self._engine())
        return state

    def _cli(self, state: ComposeState) -> ComposeCli:
        return ComposeCli(self.project, [Path(f) for f in state.compose_files], state.env)

    def _start(self, state: ComposeState, progress: Progress) -> None:
        progress(f"docker compose up: {len(state.services)} services (project {self.project})")
        argv = ["up", "-d", "--wait", "--wait-timeout", f"{UP_TIMEOUT:.0f}"]
        argv += ["--no-build", "--pull", "never", "--remove-orphans", *state.services]
        cli = self._cli(state)
        # Values never written to a file: the profile's env, the database password.
        cli.env = cli.env | profile_env(self.spec, state.options.profile) | self._secret_env()
        try:
            cli.run(*argv, timeout=UP_TIMEOUT + 60)
        except StackError as e:
            raise StackError(e.message + self.docker().failure_report(), hint=e.hint) from e
        containers = self.docker().containers()
        steps.require_loopback_ports(containers)
        steps.read_ports(self.spec, state, containers)
        self.store.save(state)
        lb = files.layout(self.spec).lb
        steps.wait_serving(
            self._endpoints(state),
            progress,
            lb_log=lambda: _docker.logs_tail(self.docker().container(lb), 400),
        )

    # ---------------------------------------------------------------- internals: stopping

    def _remove(self, state: ComposeState | None, progress: Progress) -> list[str]:
        """`compose down -v --remove-orphans`, then remove whatever still has the label (found
        by the project's name: the state is not needed)."""
        project = self.docker()
        running = sorted(project.containers())
        cli = ComposeCli(self.project, [self.compose_file])
        try:
            check_plugin()
            progress(f"docker compose down (project {self.project})")
            cli.run("down", "--volumes", "--remove-orphans", "--timeout", "10", timeout=180)
        except (StackError, ToolMissingError) as e:
            first = e.message.splitlines()[0]
            progress(f"{first}: removing the project's containers with the Docker API")
        swept = project.remove_all()
        self.store.remove()
        _secrets.remove(self.state_dir)
        return [f"{svc}: removed" for svc in running] + [f"leftover {s}: removed" for s in swept]

    # ---------------------------------------------------------------- internals: reading

    def _engine(self) -> DockerClient:
        if self._client is None:
            self._client = _docker.connect()
        return self._client

    def docker(self) -> _docker.Project:
        return _docker.Project(self._engine(), self.project)

    def _infra_running(self, state: ComposeState) -> bool:
        containers = self.docker().containers()
        return all(
            svc in containers and _docker.state_of(containers[svc]) == "running"
            for svc in files.layout(self.spec).infra
        )

    def _secret_env(self) -> dict[str, str]:
        """Our Compose file's PostgreSQL password (SHOPCHAOS_POSTGRES_PASSWORD): generated at
        `up`, kept 0600 in the state dir. A team's own file brings its own (`database.password`)."""
        if self.spec.compose_file is not None:
            return {}
        made = _secrets.load(self.state_dir) or _secrets.create(self.state_dir)
        return {files.DB_PASSWORD_VARIABLE: made.db_password}

    def _endpoints(self, state: ComposeState) -> Endpoints:
        made = _secrets.load(self.state_dir) if self.spec.compose_file is None else None
        return files.endpoints(self.spec, state, db_password=made.db_password if made else None)

    def _instance(self, state: ComposeState, instance: str) -> files.Instance:
        insts = files.instances(self.spec, state.options)
        for inst in insts:
            if inst.name == instance:
                return inst
        known = ", ".join(i.name for i in insts)
        raise StackError(f"no instance named '{instance}'", hint=f"instances: {known}")

    def _container(self, instance: str, state: ComposeState | None = None) -> Container:
        inst = self._instance(state or self._require(), instance)
        return self.docker().container(inst.compose_service)

"""The local platform: the stack as plain processes on 127.0.0.1 (the embedded default).

Start order: Toxiproxy, PostgreSQL (when asked), the proxies, the database init command, the
services in the spec's order (LB backend last), then HAProxy with a generated config; each step
waits for readiness with a deadline, and at the end every listener must be on loopback
(_listeners.py). State is kept on disk (local_state.py) after every step, so `status`, `down` and
`recover` from another process find the stack, and a crash halfway through `up` is cleaned up by
the next `up` or `down`. `up`, `down` and `status` are the lifecycle shared with Compose
(_lifecycle.py): they hold the stack's lock (_lock.py), and `up` adopts a running stack only when
it was started from the same stack file content and options (_adopt.py).

Locked down: the state directory is 0700 and its files 0600 (processes start under a 0077
umask); PostgreSQL authenticates with a generated password (_secrets.py) that only the services
using the database receive, as PGPASSWORD; env values from the stack file are kept by name.
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import signal
import sys
import uuid
from pathlib import Path

import psutil

from harness import tools
from harness.errors import StackError
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.lb import haproxy_config
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms import _adopt, _listeners, _postgres, _procs, _secrets
from harness.platforms._health import lb_check, probe
from harness.platforms._lb_wait import wait_all_up
from harness.platforms._lifecycle import Seen, StackLifecycle
from harness.platforms._pg_admin import PgAdminAbility
from harness.platforms._ports import LOOPBACK, allocate, holder, is_free, require_free
from harness.platforms._private_files import PRIVATE_FILE, private_dir, private_umask
from harness.platforms._process_tree import INSTANCE_ENV, Tree
from harness.platforms._readiness import wait_for
from harness.platforms.base import (
    Endpoints,
    InstanceRef,
    ProcessState,
    Progress,
    ResolvedOptions,
    profile_env,
    with_descendants,
)
from harness.platforms.local_state import LocalState, ProcEntry
from harness.stack import setup_steps

STATE_DIR_ENV = "SHOPCHAOS_STATE_DIR"


class LocalPlatform(StackLifecycle[LocalState], PgAdminAbility):
    """up/down/status come from StackLifecycle (_lifecycle.py); the hooks are below."""

    name = "local"
    title = "local"
    undo = "stopping"
    state_model = LocalState

    # ---------------------------------------------------------------- processes

    def process_state(self, instance: str) -> ProcessState:
        _, tree = self._tree(instance)
        return _tree_state(tree)

    def process_ids(self) -> list[int]:
        """Every process the stack started (infrastructure too) and their descendants."""
        state = self.store.load_lenient()
        if state is None:
            return []
        return with_descendants([e.pid for e in state.procs.values()])

    # ---------------------------------------------------------------- instance operations

    def kill(self, instance: str) -> None:
        """SIGKILL to the instance's whole process tree; returns once all of it is gone and
        its port is free (an orphaned worker would otherwise keep answering)."""
        entry, tree = self._tree(instance)
        if not tree.wait_gone(5.0, entry.port, tree.send(signal.SIGKILL)):
            port = "" if entry.port is None or is_free(entry.port) else f"; port {entry.port} held"
            raise StackError(f"{instance} did not die after SIGKILL: {tree.describe()}{port}")

    def terminate(self, instance: str) -> None:
        entry, tree = self._tree(instance)
        tree.stop(signal.Signals[entry.stop_signal], grace=15, port=entry.port)

    def pause(self, instance: str) -> None:
        """SIGSTOP to the whole tree; returns once the kernel reports every process stopped."""
        _, tree = self._tree(instance)
        if not tree.root_alive() or not tree.send(signal.SIGSTOP):
            raise StackError(f"cannot pause {instance}: it is not running")
        wait_for(f"every process of {instance} to stop", tree.all_stopped, timeout=5)

    def resume(self, instance: str) -> None:
        _, tree = self._tree(instance)
        tree.send(signal.SIGCONT)
        wait_for(f"{instance} to resume", lambda: not tree.any_stopped(), timeout=5)

    def start(self, instance: str) -> None:
        """Start an exited instance again on its port, once its old tree is gone and the port
        is free (bounded), so the readiness check can only be answered by the new tree."""
        with self.store.locked():
            state = self._require()
            entry = state.procs[instance]
            tree = self._tree_of(state, entry)
            if tree.root_alive():
                return
            self._clear_remains(instance, tree, entry.port)
            fresh = self._spawn_again(state, entry)
            state.procs[instance] = fresh
            self.store.save(state)
        self._wait_ready(fresh)

    def restart(self, instance: str) -> None:
        self.terminate(instance)
        self.start(instance)

    # ---------------------------------------------------------------- the database (DR drill)

    def direct_database_url(self) -> str:
        return self.endpoints().database_url

    # ---------------------------------------------------------------- internals: planning

    def _check_tools(self, opts: ResolvedOptions) -> None:
        tools.haproxy()
        tools.toxiproxy_server()
        if opts.db == "postgres":
            for name in ("initdb", "pg_ctl", "postgres"):
                tools.postgres_bin(name)
        for svc_name, svc in self.spec.services.items():
            if svc.local is None:
                raise StackError(
                    f"service '{svc_name}' has no `local:` launch section in the stack description",
                    hint="add local.command, or use --platform compose",
                )

    def _source_files(self) -> list[Path | None]:
        return [self.spec_path]

    def _plan(self, opts: ResolvedOptions, files: dict[str, str]) -> LocalState:
        self._check_tools(opts)
        if self.entry_port:
            require_free(self.entry_port, "load balancer entry", option="--entry-port")
        if self.toxiproxy_port:
            require_free(self.toxiproxy_port, "Toxiproxy API", option="--toxiproxy-port")
        fixed = {p for p in (self.entry_port, self.toxiproxy_port) if p}
        proxies = self.spec.proxies(opts.db)
        n_free = 2 + len(proxies) + 1  # entry/toxiproxy (if 0), proxies, postgres
        pool = allocate(n_free, exclude=fixed)
        entry_port = self.entry_port or pool.pop()
        toxiproxy_port = self.toxiproxy_port or pool.pop()
        proxy_ports = {name: pool.pop() for name in proxies}
        pg_port = pool.pop()
        sock = self.state_dir / "haproxy.sock"
        if len(str(sock)) > 100:  # AF_UNIX paths are limited to 108 bytes
            digest = hashlib.sha256(str(self.state_dir).encode()).hexdigest()[:10]
            sock = Path("/tmp") / f"shopchaos-{digest}.sock"  # noqa: S108 - short, private name
        if opts.db == "postgres":
            db = self.spec.database
            via = proxy_ports.get("database", pg_port)
            db_url = f"postgresql://{db.user}@{LOOPBACK}:{via}/{db.name}"
            direct = f"postgresql://{db.user}@{LOOPBACK}:{pg_port}/{db.name}"
        else:
            db_url = direct = f"sqlite:///{self.state_dir / 'data' / 'shop.db'}"
        return LocalState(
            stack_id=uuid.uuid4().hex[:12],
            stack=self.spec.name,
            spec_path=str(self.spec_path) if self.spec_path else None,
            files=files,
            options=opts.redacted(),
            host=LOOPBACK,
            entry_port=entry_port,
            toxiproxy_port=toxiproxy_port,
            runtime_socket=str(sock),
            proxy_ports=proxy_ports,
            db_url=db_url,
            db_direct_url=direct,
        )

    # ---------------------------------------------------------------- internals: starting

    def _tags(self, state: LocalState) -> dict[str, str]:
        return {_procs.STACK_ENV: state.stack_id, STATE_DIR_ENV: str(self.state_dir)}

    def _fresh_dirs(self) -> None:
        """A new stack starts from empty data (no orders or charges of an earlier stack);
        the previous stack's logs are kept in logs.previous/. All of it private (0700)."""
        private_dir(self.state_dir)
        shutil.rmtree(self.state_dir / "data", ignore_errors=True)
        private_dir(self.state_dir / "data")
        logs = self.state_dir / "logs"
        if logs.is_dir():
            shutil.rmtree(self.state_dir / "logs.previous", ignore_errors=True)
            logs.rename(self.state_dir / "logs.previous")
        private_dir(logs)

    def _start(self, state: LocalState, progress: Progress) -> None:
        self._fresh_dirs()
        self._start_toxiproxy(state, progress)
        if state.options.db == "postgres":
            self._start_postgres(state, progress)
        ports = self._instance_ports(state)
        self._create_proxies(state, ports, progress)
        self._run_setup(state, progress)
        for service in self.spec.ordered_services():
            self._start_service(state, service, ports, progress)
        self._start_haproxy(state, progress)
        _listeners.require_loopback(
            _listeners.Owned(e.name, e.pid, e.create_time) for e in state.procs.values()
        )

    def _start_toxiproxy(self, state: LocalState, progress: Progress) -> None:
        progress(f"starting Toxiproxy on {state.host}:{state.toxiproxy_port}")
        entry = self._spawn(
            state,
            name="toxiproxy",
            role="toxiproxy",
            argv=[
                str(tools.toxiproxy_server()),
                "-host",
                state.host,
                "-port",
                str(state.toxiproxy_port),
            ],
            env={},
            port=state.toxiproxy_port,
        )
        client = ToxiproxyClient(self._toxiproxy_url(state))
        wait_for(
            "Toxiproxy API",
            client.version,
            timeout=15,
            alive=lambda: self._require_alive(entry),
        )

    def _start_postgres(self, state: LocalState, progress: Progress) -> None:
        pg_port = int(state.db_direct_url.rsplit(":", 1)[1].split("/", 1)[0])
        progress(f"starting a private PostgreSQL cluster on {state.host}:{pg_port}")
        db = self.spec.database
        password = _secrets.create(self.state_dir).db_password
        cluster = _postgres.start(pg_port, db.user, db.name, self._tags(state), password)
        state.pg_dir = str(cluster.root)
        state.procs["postgres"] = ProcEntry(
            name="postgres",
            role="postgres",
            pid=cluster.pid,
            create_time=cluster.create_time,
            argv=["postgres", "-D", str(cluster.data)],
            log=str(cluster.log),
            port=pg_port,
            user=cluster.user,
            stop_signal="SIGINT",  # PostgreSQL's "fast" shutdown
        )
        self.store.save(state)

    def _instance_ports(self, state: LocalState) -> dict[str, int]:
        names = [
            n for svc in self.spec.ordered_services() for n in self._instance_names(state, svc)
        ]
        used = {state.entry_port, state.toxiproxy_port, *state.proxy_ports.values()}
        return dict(zip(names, allocate(len(names), exclude=used), strict=True))

    def _instance_names(self, state: LocalState, service: str) -> list[str]:
        return self.spec.instance_names(service, state.options.replicas)

    def _create_proxies(self, state: LocalState, ports: dict[str, int], progress: Progress) -> None:
        client = ToxiproxyClient(self._toxiproxy_url(state))
        for name, dep in self.spec.proxies(state.options.db).items():
            if dep.upstream == "database":
                upstream = state.db_direct_url.split("@", 1)[1].split("/", 1)[0]
            else:
                first = self._instance_names(state, dep.upstream)[0]
                upstream = f"{state.host}:{ports[first]}"
            listen = f"{state.host}:{state.proxy_ports[name]}"
            progress(f"proxy {name}: {listen} -> {upstream}")
            client.ensure_proxy(name, listen=listen, upstream=upstream)

    def _context(self, state: LocalState, instance: str, port: int) -> dict[str, object]:
        return {
            "python": sys.executable,
            "host": state.host,
            "port": port,
            "instance": instance,
            "state_dir": str(self.state_dir / "data"),
            "db_url": state.db_url,
            "dep_url": {n: f"http://{state.host}:{p}" for n, p in state.proxy_ports.items()},
            "dep_addr": {n: f"{state.host}:{p}" for n, p in state.proxy_ports.items()},
        }

    def _run_setup(self, state: LocalState, progress: Progress) -> None:
        """Every setup step (database.init first), once per `up`, each checked. A step that
        uses {db_url} gets the database password in its environment (PGPASSWORD)."""
        ctx = self._context(state, "setup", 0)
        for step in self.spec.setup_steps():
            progress(f"setup: {step.name}")
            templates = [*step.command, *step.env.values()]
            with private_umask():
                setup_steps.run_step(
                    step,
                    context=ctx,
                    base_dir=self.spec.base_dir,
                    env=self._tags(state) | self._db_password_env(state, templates),
                    log=self.state_dir / "logs" / f"setup-{step.name}.log",
                )

    def _start_service(
        self, state: LocalState, service: str, ports: dict[str, int], progress: Progress
    ) -> None:
        svc = self.spec.services[service]
        launch = svc.local
        assert launch is not None  # checked in _check_tools
        entries = []
        for name in self._instance_names(state, service):
            ctx = self._context(state, name, ports[name])
            argv = [part.format_map(ctx) for part in launch.command]
            env = self._instance_env(state, service, name, ports[name])
            progress(f"starting {name} on {state.host}:{ports[name]}")
            entries.append(
                self._spawn(
                    state,
                    name=name,
                    role="instance",
                    service=service,
                    argv=argv,
                    env=env,
                    port=ports[name],
                    stop_signal=launch.stop_signal,
                    ready_path=svc.health.http_check().path,
                    ready_timeout=launch.ready_timeout,
                    cwd=setup_steps.resolve_dir(self.spec.base_dir, launch.cwd),
                )
            )
        for entry in entries:
            self._wait_ready(entry)
        progress(f"{service}: {len(entries)} ready")

    def _start_haproxy(self, state: LocalState, progress: Progress) -> None:
        backend = self.spec.load_balancer.backend
        servers = [
            haproxy_config.Server(e.name, f"{state.host}:{e.port}")
            for e in state.procs.values()
            if e.service == backend
        ]
        text = haproxy_config.render(
            stack=state.stack,
            profile=state.options.lb_profile,
            host=state.host,
            entry_port=state.entry_port,
            backend=backend,
            check=lb_check(self.spec),
            servers=servers,
            runtime_socket=state.runtime_socket,
            settings=self.spec.load_balancer.settings,
        )
        cfg = haproxy_config.write(self.state_dir / "haproxy.cfg", text)
        cfg.chmod(PRIVATE_FILE)
        binary = str(tools.haproxy())
        check = _run_check([binary, "-c", "-q", "-f", str(cfg)])
        if check:
            raise StackError(f"HAProxy rejected the generated config {cfg}:\n{check}")
        progress(
            f"starting HAProxy on {state.host}:{state.entry_port} "
            f"({state.options.lb_profile} profile)"
        )
        entry = self._spawn(
            state,
            name="haproxy",
            role="haproxy",
            argv=[binary, "-db", "-f", str(cfg)],
            env={},
            port=state.entry_port,
        )
        wait_all_up(
            HAProxyRuntime(f"unix:{state.runtime_socket}"),
            backend,
            log=lambda: _procs.tail(Path(entry.log), 400),
            alive=lambda: self._require_alive(entry),
        )

    def _spawn(
        self,
        state: LocalState,
        *,
        name: str,
        role: str,
        argv: list[str],
        env: dict[str, str],
        port: int | None,
        service: str | None = None,
        stop_signal: str = "SIGTERM",
        ready_path: str | None = None,
        ready_timeout: float = 30.0,
        cwd: Path | None = None,
    ) -> ProcEntry:
        log = self.state_dir / "logs" / f"{name}.log"
        with private_umask():
            spawned = _procs.spawn(
                argv, env={**env, **self._tags(state)}, log=log, stack_id=state.stack_id, cwd=cwd
            )
        entry = ProcEntry.model_validate(
            {
                "name": name,
                "role": role,
                "service": service,
                "pid": spawned.pid,
                "create_time": spawned.create_time,
                "argv": argv,
                "env": _secrets.redact_env(env),
                "log": str(log),
                "port": port,
                "stop_signal": stop_signal,
                "ready_path": ready_path,
                "ready_timeout": ready_timeout,
                "cwd": str(cwd) if cwd else None,
            }
        )
        state.procs[name] = entry
        self.store.save(state)
        return entry

    def _spawn_again(self, state: LocalState, entry: ProcEntry) -> ProcEntry:
        """The instance with the argv it had and its environment computed again from the stack
        file (the state keeps env names only), which must not have changed since `up`."""
        changed = _adopt.changes(
            running=state.options,
            running_files=state.files,
            wanted=state.options,
            wanted_files=_adopt.digests(self._source_files()) if state.files else {},
            since=state.created_at,
        )
        if changed:
            raise StackError(
                f"cannot start {entry.name} again: {'; '.join(changed)}, so it would not run "
                "with the environment its siblings have",
                hint="`shopchaos up --restart` restarts the whole stack from the file as it is",
            )
        assert entry.service is not None and entry.port is not None  # instances have both
        env = self._instance_env(state, entry.service, entry.name, entry.port)
        with private_umask():
            spawned = _procs.spawn(
                entry.argv,
                env={**env, **self._tags(state)},
                log=Path(entry.log),
                stack_id=state.stack_id,
                cwd=Path(entry.cwd) if entry.cwd else None,
            )
        return entry.model_copy(update={"pid": spawned.pid, "create_time": spawned.create_time})

    def _instance_env(
        self, state: LocalState, service: str, name: str, port: int
    ) -> dict[str, str]:
        """An instance's environment: its `local.env`, the profile's env for the LB backend,
        and the database password when it uses the database."""
        launch = self.spec.services[service].local
        assert launch is not None  # checked in _check_tools
        ctx = self._context(state, name, port)
        env = {k: v.format_map(ctx) for k, v in launch.env.items()}
        env[INSTANCE_ENV] = name  # finds the tree's members that left its process group
        if service == self.spec.load_balancer.backend:
            env |= profile_env(self.spec, state.options.profile)
        return env | self._db_password_env(state, [*launch.command, *launch.env.values()])

    def _db_password_env(self, state: LocalState, templates: list[str]) -> dict[str, str]:
        """PGPASSWORD for a process whose command or env uses {db_url}, with PostgreSQL."""
        if state.options.db != "postgres" or not any("{db_url}" in t for t in templates):
            return {}
        secrets = _secrets.load(self.state_dir)
        if secrets is None:
            raise StackError(f"the stack's database password is missing from {self.state_dir}")
        return {_secrets.PASSWORD_ENV: secrets.db_password}

    def _probe(self, entry: ProcEntry) -> str:
        svc = self.spec.services.get(entry.service or "")
        if svc is None or entry.port is None:
            return "-"
        return probe(svc.health, f"{LOOPBACK}:{entry.port}")

    def _wait_ready(self, entry: ProcEntry) -> None:
        if entry.ready_path is None or entry.port is None:
            return
        svc = self.spec.services[entry.service or ""]
        what = (
            svc.health.exec or svc.health.http_check().path if svc.health.kind != "tcp" else "tcp"
        )
        last: list[str] = []

        def ready() -> bool:
            last[:] = [self._probe(entry)]
            return last[0] == "ready"

        try:
            wait_for(
                f"{entry.name} to be ready ({LOOPBACK}:{entry.port}, check {what})",
                ready,
                timeout=entry.ready_timeout,
                alive=lambda: self._require_alive(entry),
            )
        except StackError as e:
            raise StackError(
                f"{e.message}; its check last said: {last[0] if last else 'nothing'}; "
                f"last lines of {entry.log}:\n{_procs.tail(Path(entry.log))}",
                hint=f"raise services.{entry.service}.local.ready_timeout, or fix the check",
            ) from e

    def _require_alive(self, entry: ProcEntry) -> None:
        if not _procs.alive(entry.pid, entry.create_time):
            raise StackError(
                f"{entry.name} exited during start-up; last lines of {entry.log}:\n"
                + _procs.tail(Path(entry.log)),
                hint="fix the cause above; `shopchaos up` cleaned up what it had started",
            )

    # ---------------------------------------------------------------- internals: stopping

    def _reap_children(self) -> None:
        _procs.reap_spawned()

    def _remove(self, state: LocalState | None, progress: Progress) -> list[str]:
        stopped = self._teardown(state, progress) if state is not None else []
        return stopped + self._teardown_orphans(progress)

    def _teardown(self, state: LocalState, progress: Progress) -> list[str]:
        """Stop in reverse dependency order: HAProxy, LB backend, other services, infra."""
        backend = self.spec.load_balancer.backend
        tiers: list[list[ProcEntry]] = [
            [e for e in state.procs.values() if e.role == "haproxy"],
            [e for e in state.procs.values() if e.service == backend],
            [e for e in state.procs.values() if e.role == "instance" and e.service != backend],
            [e for e in state.procs.values() if e.role == "toxiproxy"],
            [e for e in state.procs.values() if e.role == "postgres"],
        ]
        stopped: list[str] = []
        for tier in tiers:
            running = [e for e in tier if _procs.alive(e.pid, e.create_time)]
            trees = {e.name: self._tree_of(state, e) for e in running if e.role == "instance"}
            for e in running:  # signal the whole tier first, then wait: parallel graceful stops
                sig = signal.Signals[e.stop_signal]
                if e.name in trees:
                    trees[e.name].send(sig)
                    trees[e.name].send(signal.SIGCONT)
                else:
                    _procs.send(e.pid, e.create_time, sig)
                    _procs.send(e.pid, e.create_time, signal.SIGCONT)
            for e in running:
                sig = signal.Signals[e.stop_signal]
                if e.name in trees:
                    how = trees[e.name].stop(sig, grace=15, port=e.port)
                else:
                    how = _procs.stop(e.pid, e.create_time, sig=sig, grace=15)
                how = "stopped" if how == "not running" else how
                progress(f"{e.name}: {how}")
                stopped.append(f"{e.name} (pid {e.pid}): {how}")
        for leftover in _procs.kill_tagged(state.stack_id):
            progress(f"killed leftover {leftover}")
            stopped.append(f"leftover {leftover}: killed")
        if state.pg_dir:
            _postgres.remove(Path(state.pg_dir))
        _secrets.remove(self.state_dir)
        sock = Path(state.runtime_socket)
        if sock.exists():
            sock.unlink()
        self.store.remove()
        return stopped

    def _orphans(self) -> list[psutil.Process]:
        """Processes tagged with this state dir: after a teardown, those unknown to the state
        file (a lost state)."""
        found = []
        for p in list(psutil.process_iter()):
            with contextlib.suppress(psutil.Error):
                if p.environ().get(STATE_DIR_ENV) == str(self.state_dir):
                    found.append(p)
        return found

    def _leftovers(self) -> bool:
        return bool(self._orphans())

    def _teardown_orphans(self, progress: Progress) -> list[str]:
        killed = []
        for p in self._orphans():
            try:
                desc = f"pid {p.pid} ({p.name()})"
                p.kill()
                p.wait(timeout=5)
            except psutil.Error:
                continue
            progress(f"killed orphan {desc}")
            killed.append(f"orphan {desc}: killed")
        return killed

    # ---------------------------------------------------------------- internals: reading

    def _started(self, state: LocalState) -> list[str]:
        return sorted(state.procs)

    def _observe(self, state: LocalState) -> Seen:
        haproxy = state.procs.get("haproxy")
        return Seen(
            instances={
                e.name: (str(e.pid), _tree_state(self._tree_of(state, e)))
                for e in state.procs.values()
                if e.role == "instance"
            },
            components={
                e.name: self._proc_state(e) for e in state.procs.values() if e.role != "instance"
            },
            lb_alive=haproxy is not None and _procs.alive(haproxy.pid, haproxy.create_time),
        )

    def _entry(self, instance: str, state: LocalState | None = None) -> ProcEntry:
        state = state or self._require()
        entry = state.procs.get(instance)
        if entry is None or entry.role != "instance":
            known = ", ".join(n for n, e in state.procs.items() if e.role == "instance")
            raise StackError(f"no instance named '{instance}'", hint=f"instances: {known}")
        return entry

    def _tree(self, instance: str) -> tuple[ProcEntry, Tree]:
        state = self._require()
        entry = self._entry(instance, state)
        return entry, self._tree_of(state, entry)

    @staticmethod
    def _tree_of(state: LocalState, entry: ProcEntry) -> Tree:
        return Tree(entry.pid, entry.create_time, stack_id=state.stack_id, instance=entry.name)

    @staticmethod
    def _clear_remains(instance: str, tree: Tree, port: int | None) -> None:
        """What is left of a dead instance's tree (orphaned workers) is killed; its port must be
        free before a new tree starts on it."""
        if not tree.wait_gone(10.0, port, tree.send(signal.SIGKILL)):
            who = holder(port) if port is not None else None
            raise StackError(
                f"cannot start {instance} again: its old processes ({tree.describe()}) or the "
                f"holder of port {port} ({who or 'unknown'}) are still there after 10 s",
                hint="stop that process, then `shopchaos recover`",
            )

    def _infra_running(self, state: LocalState) -> bool:
        infra = [e for e in state.procs.values() if e.role != "instance"]
        return bool(state.procs) and all(_procs.alive(e.pid, e.create_time) for e in infra)

    @staticmethod
    def _proc_state(entry: ProcEntry) -> ProcessState:
        if not _procs.alive(entry.pid, entry.create_time):
            return "exited"
        return "paused" if _procs.paused(entry.pid, entry.create_time) else "running"

    def _toxiproxy_url(self, state: LocalState) -> str:
        return f"http://{state.host}:{state.toxiproxy_port}"

    def _endpoints(self, state: LocalState) -> Endpoints:
        backend = self.spec.load_balancer.backend
        instances = tuple(
            InstanceRef(
                name=e.name,
                service=e.service or e.name,
                address=f"{state.host}:{e.port}",
                lb_server=e.name if e.service == backend else None,
            )
            for e in state.procs.values()
            if e.role == "instance"
        )
        service_urls: dict[str, str] = {}
        for inst in instances:
            service_urls.setdefault(inst.service, f"http://{inst.address}")
        database_url = state.db_direct_url
        if state.options.db == "postgres" and (secrets := _secrets.load(self.state_dir)):
            database_url = _secrets.with_password(database_url, secrets.db_password)
        return Endpoints(
            entry_url=f"http://{state.host}:{state.entry_port}",
            toxiproxy_url=self._toxiproxy_url(state),
            lb_runtime=f"unix:{state.runtime_socket}",
            lb_backend=backend,
            instances=instances,
            proxies={name: name for name in state.proxy_ports},
            database_url=database_url,  # with the password: in memory only
            service_urls=service_urls,
        )


def _tree_state(tree: Tree) -> ProcessState:
    """exited: the root is gone (leftovers are cleared by start()); paused: all of it frozen."""
    if not tree.root_alive():
        return "exited"
    return "paused" if tree.all_stopped() else "running"


def _run_check(argv: list[str]) -> str:
    import subprocess

    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    return "" if done.returncode == 0 else (done.stderr or done.stdout).strip()

"""The platform lifecycle, written once for every platform: `up`, `down`, `status` and the
reading of a stack's state. local.py and compose.py keep only what differs, as hooks.

`up`: under the stack's lock (_lock.py) and the state file's lock, a complete stack whose
infrastructure runs is adopted when it was started from the same files and options, else
restarted (`restart=True`) or refused (_adopt.py); an unfinished one (a start cut short, or
leftovers without a state) is removed first. Then plan, save, start; whatever interrupts the
start (an error, Ctrl-C, SIGTERM) removes what was started; the state is marked complete last.
A state that is not complete is "half started" to every reader (`status`, `down`, `recover`).

The hooks a platform supplies: its state type (a StackState), the files a stack is started
from, whether its infrastructure runs, whether anything of it is left without a state, plan,
start, remove, endpoints, what was started so far, and what it sees of its processes (Seen).
"""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms import _adopt, _lock
from harness.platforms._health import probe
from harness.platforms._state_store import StackState, StateStore
from harness.platforms.base import (
    Endpoints,
    InstanceRef,
    InstanceStatus,
    ProcessState,
    Progress,
    ResolvedOptions,
    StackOptions,
    StackStatus,
    no_progress,
)
from harness.stack.model import DbKind, StackSpec

S = TypeVar("S", bound=StackState)


@dataclass(frozen=True)
class Seen:
    """What a platform sees of its stack's processes at one moment (for `status`)."""

    instances: dict[str, tuple[str, ProcessState]]  # instance -> (pid or container id, state)
    components: dict[str, str]  # infrastructure (haproxy, toxiproxy, postgres) -> state
    lb_alive: bool  # whether the LB's runtime API is worth asking


def lb_view(endpoints: Endpoints) -> dict[str, str]:
    """The LB's own view of each backend server ("UP", "DOWN 1/2"); {} when it cannot say."""
    with contextlib.suppress(StackError):
        runtime = HAProxyRuntime(endpoints.lb_runtime)
        return {s.server: s.detail for s in runtime.servers(endpoints.lb_backend)}
    return {}


class StackLifecycle(ABC, Generic[S]):
    """A platform's `up`/`down`/`status`; the platform supplies the hooks below."""

    name: str  # "local", "compose"
    title: str  # the platform as messages name it: "local", "Compose"
    undo: str  # what removing a failed start does, as progress says it: "stopping", "removing"
    db_default: DbKind | None = None  # the database when none is asked for (None: the spec's)
    state_model: type[S]  # the platform's state file (a StackState)

    def __init__(
        self,
        spec: StackSpec,
        state_dir: Path,
        *,
        spec_path: Path | None = None,
        entry_port: int = 8080,
        toxiproxy_port: int = 8474,
    ) -> None:
        """entry_port/toxiproxy_port: fixed ports for users; 0 picks free ones (tests)."""
        self.spec = spec
        self.state_dir = state_dir.resolve()
        self.spec_path = spec_path
        self.entry_port = entry_port
        self.toxiproxy_port = toxiproxy_port
        self.store = StateStore(self.state_dir, self.state_model)

    # ------------------------------------------------------------ the Platform methods

    def resolve(self, options: StackOptions) -> ResolvedOptions:
        return options.resolve(self.spec, db_default=self.db_default)

    def up(
        self, options: StackOptions, progress: Progress = no_progress, *, restart: bool = False
    ) -> Endpoints:
        self._reap_children()
        resolved = self.resolve(options)
        self._check_options(resolved)
        files = _adopt.digests(self._source_files())
        with _lock.hold(self.state_dir, "up", progress), self.store.locked():
            existing = self.store.load_lenient()
            if existing is not None and existing.complete and self._infra_running(existing):
                reasons = _adopt.changes(
                    running=existing.options,
                    running_files=existing.files,
                    wanted=resolved,
                    wanted_files=files,
                    since=existing.created_at,
                )
                if _adopt.adopt_or_restart(
                    reasons, restart=restart, platform=self.name, progress=progress
                ):
                    return self._endpoints(existing)
                self._remove(existing, progress)
            elif existing is not None or self._leftovers():
                progress("cleaning up what a previous, unfinished stack left behind")
                self._remove(existing, progress)
            state = self._plan(resolved, files)
            self.store.save(state)
            try:
                self._start(state, progress)
            except BaseException:
                progress(f"start failed: {self.undo} what was started")
                self._remove(state, no_progress)
                raise
            state.complete = True
            self.store.save(state)
            return self._endpoints(state)

    def down(self, progress: Progress = no_progress) -> list[str]:
        self._reap_children()
        with _lock.hold(self.state_dir, "down", progress), self.store.locked():
            return self._remove(self.store.load_lenient(), progress)

    def is_up(self) -> bool:
        state = self.store.load_lenient()
        return state is not None and state.complete

    def options(self) -> ResolvedOptions | None:
        state = self.store.load_lenient()
        return state.options if state is not None and state.complete else None

    def endpoints(self) -> Endpoints:
        return self._endpoints(self._require())

    def status(self) -> StackStatus:
        self._reap_children()
        state = self._require()
        endpoints = self._endpoints(state)
        seen = self._observe(state)
        lb = lb_view(endpoints) if seen.lb_alive else {}
        return StackStatus(
            platform=self.name,
            stack=state.stack,
            options=state.options,
            endpoints=endpoints,
            instances=tuple(self._instance_status(ref, seen, lb) for ref in endpoints.instances),
            components=seen.components,
        )

    # ------------------------------------------------------------ shared internals

    def _require(self) -> S:
        """The state of a stack that is up; StackError when none is, or its start was cut short."""
        state = self.store.load()
        flag = _adopt.platform_flag(self.name)
        if state is not None and not state.complete:
            started = ", ".join(self._started(state)) or "nothing yet"
            raise StackError(
                f"a {self.title} stack was only half started in {self.state_dir} (its start was "
                f"cut short; started: {started})",
                hint=f"`shopchaos down{flag}` stops what it started; then `shopchaos up{flag}`",
            )
        if state is None:
            raise StackError(
                f"no {self.title} stack is up (state dir {self.state_dir})",
                hint=f"start one with `shopchaos up{flag}`",
            )
        return state

    def _instance_status(self, ref: InstanceRef, seen: Seen, lb: dict[str, str]) -> InstanceStatus:
        ident, process = seen.instances.get(ref.name, ("-", "exited"))
        svc = self.spec.services.get(ref.service)
        return InstanceStatus(
            ref=ref,
            ident=ident,
            process=process,
            health=probe(svc.health if svc else None, ref.address) if process != "exited" else "-",
            lb_state=lb.get(ref.lb_server, "?") if ref.lb_server else None,
        )

    # ------------------------------------------------------------ hooks

    def _reap_children(self) -> None:
        """Collect the exit status of processes this harness started (before reading them)."""

    def _check_options(self, resolved: ResolvedOptions) -> None:
        """StackError when this platform cannot run these options at all (before the lock)."""

    @abstractmethod
    def _source_files(self) -> list[Path | None]:
        """The files a stack is started from: their content decides whether `up` adopts it."""

    @abstractmethod
    def _infra_running(self, state: S) -> bool:
        """Whether the stack's infrastructure (LB, fault proxy, database) still runs."""

    @abstractmethod
    def _leftovers(self) -> bool:
        """Whether anything of this stack runs that no state file knows of (a lost state)."""

    @abstractmethod
    def _plan(self, opts: ResolvedOptions, files: dict[str, str]) -> S:
        """The state of a new stack (ports, files) before anything starts."""

    @abstractmethod
    def _start(self, state: S, progress: Progress) -> None:
        """Start everything and wait until it serves; save the state as it goes."""

    @abstractmethod
    def _remove(self, state: S | None, progress: Progress) -> list[str]:
        """Stop and remove everything of the stack (also what no state knows of) and its state
        file; say what was stopped."""

    @abstractmethod
    def _endpoints(self, state: S) -> Endpoints: ...

    @abstractmethod
    def _started(self, state: S) -> list[str]:
        """What an unfinished start has started so far (for the "half started" message)."""

    @abstractmethod
    def _observe(self, state: S) -> Seen: ...

"""The platform lifecycle shared by local and Compose (_lifecycle.py), on a fake platform whose
hooks record what they were asked: adopt, restart, refuse, clean up, remove a failed start,
the "half started" / "no stack" errors, and the status rows built from what a platform sees."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from pydantic import Field

from harness.errors import StackError
from harness.platforms import _lock
from harness.platforms._lifecycle import Seen, StackLifecycle
from harness.platforms._state_store import StackState
from harness.platforms.base import (
    Endpoints,
    InstanceRef,
    ProcessState,
    Progress,
    ResolvedOptions,
    StackOptions,
)
from harness.stack.loader import load_stack


class FakeState(StackState):
    started: list[str] = Field(default_factory=list)


class FakePlatform(StackLifecycle[FakeState]):
    title = "fake"
    undo = "stopping"

    state_model = FakeState

    def __init__(self, state_dir: Path, stack_file: Path, *, name: str = "fake") -> None:
        super().__init__(load_stack()[0], state_dir, spec_path=stack_file)
        self.name = name
        self.stack_file = stack_file
        self.calls: list[str] = []
        self.infra = True  # what _infra_running says
        self.leftover = False  # what _leftovers says
        self.fail_with: BaseException | None = None  # what _start raises
        self.seen = Seen(instances={}, components={}, lb_alive=False)
        self.lock_held_in_start = False

    def _source_files(self) -> list[Path | None]:
        return [self.stack_file]

    def _infra_running(self, state: FakeState) -> bool:
        self.calls.append("infra_running")
        return self.infra

    def _leftovers(self) -> bool:
        self.calls.append("leftovers")
        return self.leftover

    def _plan(self, opts: ResolvedOptions, files: dict[str, str]) -> FakeState:
        self.calls.append("plan")
        return FakeState(
            stack=self.spec.name, spec_path=str(self.stack_file), files=files, options=opts
        )

    def _start(self, state: FakeState, progress: Progress) -> None:
        self.calls.append("start")
        self.lock_held_in_start = _lock.is_held_here(self.state_dir)
        state.started.append("web-1")
        self.store.save(state)
        if self.fail_with is not None:
            raise self.fail_with

    def _remove(self, state: FakeState | None, progress: Progress) -> list[str]:
        self.calls.append("remove" if state is not None else "remove (no state)")
        self.store.remove()
        return [f"{name}: stopped" for name in (state.started if state else [])]

    def _endpoints(self, state: FakeState) -> Endpoints:
        return Endpoints(
            entry_url=f"http://127.0.0.1:1/{state.created_at}",  # which stack: its birth time
            toxiproxy_url="http://127.0.0.1:2",
            lb_runtime="tcp:127.0.0.1:3",
            lb_backend="shop",
            instances=self.refs,
            proxies={},
            database_url="sqlite:///x.db",
        )

    refs: tuple[InstanceRef, ...] = ()

    def _started(self, state: FakeState) -> list[str]:
        return state.started

    def _observe(self, state: FakeState) -> Seen:
        return self.seen


@pytest.fixture
def plat(tmp_path: Path) -> FakePlatform:
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text("name: fake\n")
    return FakePlatform(tmp_path / "state", stack_file)


def said(into: list[str]) -> Progress:
    return into.append


def test_up_starts_a_new_stack_under_the_lock_and_marks_it_complete(plat: FakePlatform) -> None:
    plat.up(StackOptions())
    assert plat.calls == ["leftovers", "plan", "start"]
    assert plat.lock_held_in_start
    assert plat.is_up()
    assert plat.options() == plat.resolve(StackOptions())


def test_up_again_with_nothing_changed_adopts(plat: FakePlatform) -> None:
    first = plat.up(StackOptions())
    plat.calls.clear()
    progress: list[str] = []
    again = plat.up(StackOptions(), said(progress))
    assert plat.calls == ["infra_running"]  # nothing removed, planned or started
    assert again == first
    assert "adopting it" in progress[-1]


def test_a_changed_file_restarts_the_stack_when_asked(plat: FakePlatform) -> None:
    first = plat.up(StackOptions())
    plat.stack_file.write_text("name: fake\n# changed\n")
    plat.calls.clear()
    progress: list[str] = []
    again = plat.up(StackOptions(), said(progress), restart=True)
    assert plat.calls == ["infra_running", "remove", "plan", "start"]
    assert again != first
    assert any(
        "changed since the stack was brought up" in p and "Restarting it" in p for p in progress
    )
    assert plat.is_up()


@pytest.mark.parametrize(("name", "flag"), [("local", ""), ("compose", " --platform compose")])
def test_a_changed_file_is_refused_with_a_hint_without_restart(
    tmp_path: Path, name: str, flag: str
) -> None:
    stack_file = tmp_path / "stack.yaml"
    stack_file.write_text("name: fake\n")
    plat = FakePlatform(tmp_path / "state", stack_file, name=name)
    first = plat.up(StackOptions())
    stack_file.write_text("name: fake\n# changed\n")
    plat.calls.clear()
    with pytest.raises(StackError) as exc:
        plat.up(StackOptions())
    assert exc.value.message.startswith("the stack is already up, but ")
    assert f"{stack_file.resolve()} changed since" in exc.value.message
    assert f"`shopchaos up{flag} --restart`" in (exc.value.hint or "")
    assert plat.calls == ["infra_running"]  # the running stack is left alone
    assert plat.endpoints() == first


def test_other_options_are_refused(plat: FakePlatform) -> None:
    plat.up(StackOptions())
    with pytest.raises(StackError, match="already up, but it runs with other options"):
        plat.up(StackOptions(replicas=2))


def test_a_complete_stack_whose_infrastructure_is_gone_is_cleaned_up(plat: FakePlatform) -> None:
    plat.up(StackOptions())
    plat.infra = False
    plat.calls.clear()
    progress: list[str] = []
    plat.up(StackOptions(), said(progress))
    assert plat.calls == ["infra_running", "remove", "plan", "start"]
    assert "cleaning up what a previous, unfinished stack left behind" in progress


def test_an_unfinished_state_is_cleaned_up_before_a_new_start(plat: FakePlatform) -> None:
    plat.store.save(
        FakeState(stack="x", spec_path=None, options=plat.resolve(StackOptions()), started=["db"])
    )
    progress: list[str] = []
    plat.up(StackOptions(), said(progress))
    assert plat.calls == ["remove", "plan", "start"]  # not adopted: no infrastructure check
    assert progress[0] == "cleaning up what a previous, unfinished stack left behind"
    assert plat.is_up()


def test_leftovers_without_a_state_are_cleaned_up(plat: FakePlatform) -> None:
    plat.leftover = True
    progress: list[str] = []
    plat.up(StackOptions(), said(progress))
    assert plat.calls == ["leftovers", "remove (no state)", "plan", "start"]
    assert "cleaning up what a previous, unfinished stack left behind" in progress


@pytest.mark.parametrize("error", [StackError("web-1 exited during start-up"), KeyboardInterrupt()])
def test_a_start_that_fails_or_is_interrupted_removes_what_it_started(
    plat: FakePlatform, error: BaseException
) -> None:
    plat.fail_with = error
    progress: list[str] = []
    with pytest.raises(type(error)):
        plat.up(StackOptions(), said(progress))
    assert plat.calls == ["leftovers", "plan", "start", "remove"]
    assert progress[-1] == "start failed: stopping what was started"
    assert not plat.is_up()
    assert plat.store.load() is None
    assert not _lock.is_held_here(plat.state_dir)  # the lock went with the failure


def test_down_removes_by_the_state_and_without_one(plat: FakePlatform) -> None:
    plat.up(StackOptions())
    assert plat.down() == ["web-1: stopped"]
    assert plat.calls[-1] == "remove"
    assert plat.down() == []
    assert plat.calls[-1] == "remove (no state)"


@pytest.mark.parametrize(("name", "flag"), [("local", ""), ("compose", " --platform compose")])
def test_no_stack_says_how_to_start_one(tmp_path: Path, name: str, flag: str) -> None:
    plat = FakePlatform(tmp_path / "state", tmp_path / "stack.yaml", name=name)
    for read in (plat.endpoints, plat.status):
        with pytest.raises(StackError) as exc:
            read()
        assert exc.value.message == f"no fake stack is up (state dir {plat.state_dir})"
        assert exc.value.hint == f"start one with `shopchaos up{flag}`"
    assert not plat.is_up() and plat.options() is None


@pytest.mark.parametrize(
    ("started", "listed"), [(["toxiproxy", "web-1"], "toxiproxy, web-1"), ([], "nothing yet")]
)
def test_a_half_started_stack_says_what_was_started_and_how_to_stop_it(
    tmp_path: Path, started: list[str], listed: str
) -> None:
    plat = FakePlatform(tmp_path / "state", tmp_path / "stack.yaml", name="compose")
    plat.store.save(
        FakeState(stack="x", spec_path=None, options=plat.resolve(StackOptions()), started=started)
    )
    for read in (plat.endpoints, plat.status):
        with pytest.raises(StackError) as exc:
            read()
        assert exc.value.message == (
            f"a fake stack was only half started in {plat.state_dir} (its start was cut short; "
            f"started: {listed})"
        )
        assert exc.value.hint == (
            "`shopchaos down --platform compose` stops what it started; "
            "then `shopchaos up --platform compose`"
        )
    assert not plat.is_up() and plat.options() is None


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_status_rows_come_from_what_the_platform_sees(plat: FakePlatform) -> None:
    port = closed_port()
    plat.refs = (
        InstanceRef("shop-1", "shop", f"127.0.0.1:{port}", lb_server="shop-1"),
        InstanceRef("shop-2", "shop", f"127.0.0.1:{port}", lb_server="shop-2"),
        InstanceRef("payment-1", "payment", f"127.0.0.1:{port}"),
    )
    running: ProcessState = "running"
    plat.seen = Seen(
        instances={"shop-1": ("101", running), "payment-1": ("103", "paused")},
        components={"haproxy": "exited", "toxiproxy": "running"},
        lb_alive=False,  # the LB is not asked: every LB state unknown
    )
    plat.up(StackOptions())
    st = plat.status()
    rows = {i.ref.name: (i.ident, i.process, i.health, i.lb_state) for i in st.instances}
    assert rows == {
        "shop-1": ("101", "running", "unreachable", "?"),
        "shop-2": ("-", "exited", "-", "?"),  # not seen at all: exited, not probed
        "payment-1": ("103", "paused", "unreachable", None),  # not behind the LB
    }
    assert st.components == {"haproxy": "exited", "toxiproxy": "running"}
    assert st.platform == "fake" and st.stack == plat.spec.name
    assert not st.healthy

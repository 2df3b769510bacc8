"""The harness's side of the load, without Locust: how a run's worker options become a config,
and how messages from several streams are kept."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from harness.errors import InputError
from harness.load.process import LoadConfig, LoadProcess, LoadWorkers
from harness.load.wire import LedgerEntry, StateChange
from harness.measure.timeline import RequestRecord


def config(**kw: object) -> LoadConfig:
    base: dict[str, object] = {
        "host": "http://127.0.0.1:8080",
        "user_classes": "m:C",
        "users": 4,
        "spawn_rate": 4,
        "max_seconds": 10,
        "max_requests": 100,
    }
    return LoadConfig(**(base | kw))  # type: ignore[arg-type]


def test_the_scenario_decides_the_workers_unless_the_run_overrides() -> None:
    assert LoadWorkers().for_scenario(3)["workers"] == 3
    assert LoadWorkers(local=2).for_scenario(3)["workers"] == 2
    local = LoadWorkers().for_scenario(1)
    assert local["master_bind"] == "127.0.0.1:0"  # no remote workers: a private port
    remote = LoadWorkers(remote=2, master_bind="*:6000").for_scenario(1)
    assert (remote["remote_workers"], remote["master_bind"]) == (2, "*:6000")
    assert not config(**LoadWorkers().for_scenario(1)).distributed
    assert config(**LoadWorkers(remote=1).for_scenario(1)).distributed
    assert config(workers=2).distributed


def test_a_bad_master_address_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--load-master"):
        LoadWorkers(remote=1, master_bind="nowhere")


def test_messages_from_several_streams_are_kept_and_sorted_by_start(tmp_path: Path) -> None:
    seen: list[RequestRecord] = []
    load = LoadProcess(config(), log=tmp_path / "load.log", on_request=seen.append)

    def stream(worker: int) -> None:
        for i in range(200):
            t = 100.0 + i * 0.01 + worker * 0.005
            load.receive(RequestRecord(t, 0.001, "GET /", 200, None, worker * 1_000_000 + 1))

    threads = [threading.Thread(target=stream, args=(w,)) for w in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    load.receive(LedgerEntry(100.0, "attempt", "k", None, 0, 1))
    load.receive(StateChange("lag:1", 101.0, 0.003))
    load.receive("load worker 1 was lost during the run")
    load.receive("a later error")
    got = load.snapshot()
    assert len(got) == len(seen) == 600
    assert [r.t for r in got] == sorted(r.t for r in got)
    assert {r.user for r in got} == {1, 1_000_001, 2_000_001}
    assert load.ledger[0].key == "k"
    assert load.states == [StateChange("lag:1", 101.0, 0.003)]
    assert load.fatal == "load worker 1 was lost during the run"  # the first one wins


def test_waiting_for_a_state_ends_when_it_comes_or_on_a_fatal_error(tmp_path: Path) -> None:
    load = LoadProcess(config(), log=tmp_path / "load.log")
    threading.Timer(0.05, load.receive, [StateChange("master", 1.0, 5557)]).start()
    assert load.wait_state("master", 5.0) == StateChange("master", 1.0, 5557)
    load.receive("setup failed")
    assert load.wait_state("started", 5.0) is None


def test_only_loopback_targets() -> None:
    from harness.errors import LoadError

    with pytest.raises(LoadError):
        LoadProcess(config(host="http://10.0.0.1:80"), log=Path("x.log"))

"""The harness's side of a distributed run: clocks from the master's reports, warnings, paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.load.clock import ClockEstimate
from harness.load.distributed import (
    clock_warnings,
    local_master_host,
    resolution_of,
    worker_clocks,
    worker_log,
)
from harness.load.wire import StateChange
from harness.measure.timeline import RequestRecord


def test_worker_logs_sit_next_to_the_masters() -> None:
    assert worker_log(Path("/r/logs/load-0.log"), 1) == Path("/r/logs/load-0.worker-1.log")


@pytest.mark.parametrize(
    ("bind", "host"),
    [
        ("127.0.0.1:0", "127.0.0.1"),
        ("*:5557", "127.0.0.1"),
        ("0.0.0.0:5557", "127.0.0.1"),
        ("10.1.2.3:5557", "10.1.2.3"),
    ],
)
def test_local_workers_reach_the_master_where_it_listens(bind: str, host: str) -> None:
    assert local_master_host(bind) == host


def test_clocks_keep_the_latest_offset_and_the_worst_uncertainty_of_the_run() -> None:
    states = [
        StateChange("clock:2", 1.0, 5.01),
        StateChange("clock_err:2", 1.0, 0.020),  # before the start: coarse, superseded
        StateChange("started", 2.0, 16),
        StateChange("clock:2", 3.0, 5.0002),
        StateChange("clock_err:2", 3.0, 0.0008),
        StateChange("lag:2", 3.5, 0.004),
        StateChange("clock:2", 4.0, 5.0001),
        StateChange("clock_err:2", 4.0, 0.0005),
        StateChange("clock:3", 1.5, -0.2),
        StateChange("clock_err:3", 1.5, 0.001),
    ]
    clocks = worker_clocks(states)
    assert clocks["2"] == ClockEstimate(offset=5.0001, uncertainty=0.0008, samples=3)
    assert clocks["3"] == ClockEstimate(offset=-0.2, uncertainty=0.001, samples=1)


def test_the_resolution_is_the_mean_gap_between_requests() -> None:
    reqs = [RequestRecord(10.0 + i * 0.0025, 0.001, "GET /", 200, None, 1) for i in range(401)]
    assert resolution_of(reqs) == pytest.approx(0.0025)
    assert resolution_of(reqs[:1]) is None


def test_a_worker_whose_clock_is_coarser_than_the_resolution_gets_a_warning() -> None:
    clocks = {"1": ClockEstimate(0.0002, 0.0006, 9), "2": ClockEstimate(5.0, 0.004, 9)}
    reqs = [RequestRecord(10.0 + i * 0.0025, 0.001, "GET /", 200, None, 1) for i in range(401)]
    (warning,) = clock_warnings(clocks, reqs)
    assert warning.startswith("load worker 2: its clock (+5000.0 ms")
    assert "±4.0 ms" in warning and "±2.5 ms" in warning
    assert clock_warnings(clocks, reqs, resolution=0.01) == []
    assert clock_warnings(clocks, []) == []

"""Process trees with real processes (no servers): a parent, a child in its group, and a child
that left the group with setsid — all signalled, all gone."""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import psutil

from harness.platforms import _procs
from harness.platforms._process_tree import INSTANCE_ENV, Tree

FORKER = """
import os, sys, time
if os.fork() == 0:
    time.sleep(60)
if os.fork() == 0:
    os.setsid()  # this one leaves the group
    time.sleep(60)
time.sleep(60)
"""


def start(tmp_path: Path) -> Tree:
    spawned = _procs.spawn(
        [sys.executable, "-c", FORKER],
        env={INSTANCE_ENV: "web-1"},
        log=tmp_path / "log",
        stack_id="t-tree",
    )
    tree = Tree(spawned.pid, spawned.create_time, stack_id="t-tree", instance="web-1")
    deadline = time.monotonic() + 10
    while len(tree.members()) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    return tree


def test_kill_reaches_the_group_and_the_child_that_left_it(tmp_path: Path) -> None:
    tree = start(tmp_path)
    members = tree.members()
    assert len(members) == 3 and members[0].pid == tree.pid
    assert tree.wait_gone(5.0, signalled=tree.send(signal.SIGKILL))
    assert not any(m.is_running() and m.status() != psutil.STATUS_ZOMBIE for m in members)
    _procs.reap_spawned()


def test_pause_freezes_all_and_an_orphan_is_found_by_its_tag(tmp_path: Path) -> None:
    tree = start(tmp_path)
    try:
        tree.send(signal.SIGSTOP)
        deadline = time.monotonic() + 5
        while not tree.all_stopped() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert tree.all_stopped()
        tree.send(signal.SIGCONT)
        psutil.Process(tree.pid).kill()  # the root dies on its own: its children are orphans
        deadline = time.monotonic() + 5
        while tree.root_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        orphans = tree.members()
        assert len(orphans) == 2  # the one in the group, and the one found by its tag
    finally:
        assert tree.stop(signal.SIGTERM, grace=5) != "not running"
        assert not tree.alive()
        _procs.reap_spawned()


def test_gone_waits_for_every_signalled_member_even_one_the_scan_no_longer_sees(
    tmp_path: Path,
) -> None:
    """A killed member found only by its tag loses its environment before it exits: the scan
    stops seeing it while it still runs (CI, 2026-12-01). What send signalled is watched."""
    import subprocess

    tree = start(tmp_path)
    tree.send(signal.SIGKILL)
    assert tree.wait_gone(5.0)
    unseen = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.6)"])
    try:
        t0 = time.monotonic()
        assert tree.wait_gone(5.0, signalled=[psutil.Process(unseen.pid)])
        assert time.monotonic() - t0 >= 0.4 and unseen.poll() is not None
    finally:
        unseen.kill()
        unseen.wait()
        _procs.reap_spawned()

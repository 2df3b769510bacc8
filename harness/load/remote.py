"""A load worker on another machine (`shopchaos load-worker`): join a run's Locust master, and
the next run's, until told to stop.

Each trial has its own master, so the worker process (harness/load/_locust_worker.py) serves
one trial and exits when the master lets it go; this loop starts the next one, which waits for
the next master (a worker that reaches the last trial's master while it finishes is turned
away, and asks again). It ends when no master came within `wait`, after `max_seconds`, after
one trial with `once`, or on Ctrl-C. Every worker process runs in its own session, stops when its
stdin closes (this loop going away closes it), and is killed if it does not stop in time.
"""

from __future__ import annotations

import ipaddress
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

from harness.errors import InputError, LoadError, Problem
from harness.httpcall.network import without_proxies

WORKER = "harness.load._locust_worker"
JOINED, NOT_JOINED, TURNED_AWAY = 0, 3, 4  # the worker process's exit codes
RETRY_AFTER = 1.0  # seconds before asking again after being turned away


def parse_master(address: str, option: str = "--master") -> tuple[str, int]:
    """HOST:PORT of a load master, checked."""
    host, sep, port = address.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(
            None,
            [Problem(option, f"{address!r}: write HOST:PORT, e.g. 192.168.1.10:5557")],
        )
    return host.strip("[]"), int(port)


def check_bind(address: str | None) -> None:
    if address is None:
        return
    try:
        ipaddress.ip_address(address)
    except ValueError as e:
        raise InputError(
            None, [Problem("--bind", f"{address!r} is not an IP address of this machine")]
        ) from e


def serve(
    master: str,
    *,
    bind: str | None = None,
    once: bool = False,
    wait: float = 300.0,
    max_seconds: float = 3600.0,
    say: Callable[[str], None] = print,
) -> int:
    """Serve runs until done; the number of trials served. Raises LoadError when no master
    answered at all."""
    host, port = parse_master(master)
    check_bind(bind)
    deadline = time.monotonic() + max_seconds
    served = 0
    while (left := deadline - time.monotonic()) > 0:
        say(f"waiting for a load master at {host}:{port} (up to {min(wait, left):.0f}s)")
        code = _one(host, port, bind, join_timeout=min(wait, left), limit=left)
        if code == TURNED_AWAY:  # reached a run already complete (the last one, finishing)
            time.sleep(RETRY_AFTER)
            continue
        if code != JOINED:
            break
        served += 1
        say(f"trial done ({served} served)")
        if once:
            break
    if served == 0:
        raise LoadError(
            f"no load master took this worker at {host}:{port}",
            hint="start `shopchaos run ... --load-remote-workers N` first (or within --wait), "
            "and check that this machine reaches that port",
        )
    return served


def _one(host: str, port: int, bind: str | None, *, join_timeout: float, limit: float) -> int:
    boot = {
        "master_host": host,
        "master_port": port,
        "index": None,  # remote: the master numbers it
        "bind": bind,
        "join_timeout": join_timeout,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", WORKER],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=None,  # its few lines (joined, errors) go to our terminal
        start_new_session=True,
        env={**without_proxies(os.environ), "PYTHONUNBUFFERED": "1"},
    )
    try:
        if proc.stdin is not None:
            proc.stdin.write(json.dumps(boot).encode() + b"\n")
            proc.stdin.flush()
        return proc.wait(limit + 30.0)
    except subprocess.TimeoutExpired:
        return NOT_JOINED
    finally:
        if proc.stdin is not None:
            proc.stdin.close()  # the worker's signal to stop, if it is still running
        try:
            proc.wait(10.0)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5.0)

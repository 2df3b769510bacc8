"""Tests on Docker Compose need a Docker engine: use the one that answers, or start dockerd.

A skip is allowed only when no engine can be started at all, and then it says exactly why.
The images are built by `make compose-setup`, never by the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from harness.errors import PlatformUnavailableError
from harness.platforms import _docker

DOCKERD_LOG = Path("/tmp/shopchaos-test-dockerd.log")


def require_engine() -> None:
    """Return when an engine answers; start dockerd (as root) when none does; else skip loudly."""
    try:
        _docker.connect(timeout=10)
        return
    except PlatformUnavailableError as e:
        first = e.message
    dockerd = shutil.which("dockerd")
    if os.geteuid() != 0 or dockerd is None:
        why = "not root" if os.geteuid() != 0 else "no dockerd on PATH (install docker.io)"
        pytest.skip(f"NO DOCKER ENGINE, Compose tests skipped: {first}; cannot start one: {why}")
    with DOCKERD_LOG.open("ab") as log:
        subprocess.Popen(  # left running on purpose: the engine outlives the tests
            [dockerd], stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            _docker.connect(timeout=5)
            return
        except PlatformUnavailableError:
            time.sleep(0.5)
    tail = DOCKERD_LOG.read_text(errors="replace")[-1500:]
    pytest.skip(
        f"NO DOCKER ENGINE, Compose tests skipped: {first}; dockerd did not answer within 60 s "
        f"(log {DOCKERD_LOG}):\n{tail}"
    )

"""Shared test helpers. Integration fixtures live in tests/integration/conftest.py."""

from __future__ import annotations

import signal
from types import FrameType

import pytest


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(f"received {signal.Signals(signum).name}")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """A test session stopped by SIGTERM or SIGHUP (a CI job's timeout, `timeout`, a closed
    terminal) unwinds like Ctrl-C, so the session's fixtures take their stacks down: a killed
    session must not leave HAProxy, Toxiproxy or replicas running."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)

"""The Compose stack's state on disk: the options it was started with and its published ports.

The engine is the truth about containers (found by the project's labels); this file keeps what
the engine cannot tell us: the options `up` was given, and which instances the harness cut off
the network (so `heal` and `recover` from another process reconnect them).
"""

from __future__ import annotations

from pydantic import Field

from harness.platforms._state_store import StackState


class ComposeState(StackState):
    """`options` keep env values REDACTED: they reach `docker compose` by its environment."""

    project: str
    compose_files: list[str]
    services: list[str]  # the Compose services `up` started (dependencies come along)
    env: dict[str, str]  # the variables the Compose file's published ports are read from
    entry_port: int = 0
    toxiproxy_port: int = 0
    runtime_port: int = 0
    db_port: int = 0
    instance_ports: dict[str, int] = Field(default_factory=dict)  # instance -> host port
    partitioned: dict[str, list[str]] = Field(default_factory=dict)  # instance -> networks

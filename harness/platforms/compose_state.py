"""The Compose stack's state on disk: the options it was started with and its published ports.

The engine is the truth about containers (found by the project's labels); this file keeps what
the engine cannot tell us: the options `up` was given, and which instances the harness cut off
the network (so `heal` and `recover` from another process reconnect them).
"""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field

from harness.platforms.base import ResolvedOptions

STATE_VERSION = 1


class ComposeState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = STATE_VERSION
    project: str
    stack: str
    spec_path: str | None
    files: dict[str, str] = Field(default_factory=dict)  # sha256 of each file it started from
    compose_files: list[str]
    options: ResolvedOptions  # env values REDACTED (passed to `docker compose` by environment)
    created_at: float = Field(default_factory=time.time)
    complete: bool = False
    services: list[str]  # the Compose services `up` started (dependencies come along)
    env: dict[str, str]  # the variables the Compose file's published ports are read from
    entry_port: int = 0
    toxiproxy_port: int = 0
    runtime_port: int = 0
    db_port: int = 0
    instance_ports: dict[str, int] = Field(default_factory=dict)  # instance -> host port
    partitioned: dict[str, list[str]] = Field(default_factory=dict)  # instance -> networks

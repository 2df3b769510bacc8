"""The local stack's state on disk, so a later `status`, `down` or `recover` finds it.

<state_dir>/stack.json, kept by _state_store.StateStore (atomic writes, an exclusive lock, mode
0600). It holds no secret: env values from the stack file are kept by name (`env`, `options`),
database URLs without the password (that one is in secrets.json, _secrets.py).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.platforms._state_store import StackState

Role = Literal["instance", "toxiproxy", "haproxy", "postgres"]


class ProcEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    role: Role
    service: str | None = None
    pid: int
    create_time: float
    argv: list[str]
    env: dict[str, str] = Field(default_factory=dict)  # names only (values: REDACTED)
    log: str
    port: int | None = None
    user: str | None = None
    stop_signal: Literal["SIGTERM", "SIGINT"] = "SIGTERM"
    ready_path: str | None = None
    ready_timeout: float = 30.0
    cwd: str | None = None


class LocalState(StackState):
    stack_id: str
    host: str
    entry_port: int
    toxiproxy_port: int
    runtime_socket: str
    proxy_ports: dict[str, int]
    db_url: str  # as the services see it (through Toxiproxy with PostgreSQL); no password
    db_direct_url: str  # as the harness reaches it (bypasses Toxiproxy); no password
    pg_dir: str | None = None
    procs: dict[str, ProcEntry] = Field(default_factory=dict)

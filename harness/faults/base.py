"""The Fault protocol, its optional abilities, the context faults are built with, and the
fields every fault spec has.

A fault family is one module (instance.py, dependency.py, network.py, ...) that defines pydantic
spec models (each with a `type` literal) and registers a builder per type (registry.py). The
registry builds the fault's FaultMeta (meta.py) once; a built Fault has only apply() and
revert() (idempotent, safe after a partial apply()). Optional abilities are protocols, checked
in one place (registry.build). docs/faults.md explains how to add one.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.platforms.base import Endpoints, Platform, Progress, no_progress
from harness.scenario.durations import Duration


class FaultSpec(BaseModel):
    """Fields every fault has. Subclasses add `type: Literal[...]` and their own fields."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.-]{1,40}$", description="a name for reports"
    )
    description: str = ""
    at: Duration = Field(default=0.0, ge=0, description="offset from the start of the fault phase")
    duration: Duration | None = Field(
        default=None,
        gt=0,
        description="how long the fault stays; omit to keep it until the end of the run",
    )
    self_healing: bool | None = Field(
        default=None,
        description="recovery is expected while the fault is in force (measured from t_inject, "
        "not t_revert); default: the fault type's",
    )


class LoadControl(Protocol):
    """The running load, for faults that change it (a traffic surge)."""

    base_users: int

    def set_users(self, users: int, spawn_rate: float | None = None) -> None: ...


@dataclass
class FaultContext:
    platform: Platform
    endpoints: Endpoints
    toxiproxy: ToxiproxyClient
    rng: random.Random
    progress: Progress = no_progress
    load: LoadControl | None = None
    configuration: Mapping[str, Any] = field(default_factory=dict)  # the scenario's blocks,
    secrets: Mapping[str, Any] = field(default_factory=dict)  # for python faults


@runtime_checkable
class Fault(Protocol):
    """What a fault type implements; everything else about it is in its FaultMeta."""

    def apply(self) -> None: ...

    def revert(self) -> None:
        """Undo apply(). Idempotent; safe when apply() failed halfway."""


@runtime_checkable
class ReportsDetails(Protocol):
    """Optional: figures of its own for the record (absolute times end in `_at`)."""

    def details(self) -> Mapping[str, float | int | str]: ...


@runtime_checkable
class HasBackgroundWork(Protocol):
    """Optional: work running beside the trial (the DR drill's backups), stopped after it."""

    def close(self) -> None: ...

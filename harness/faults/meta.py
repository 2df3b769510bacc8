"""What the harness knows about a built fault, decided once by the registry (style.md rule 13).

A fault implements only apply() and revert(); its id, kind, what it hits, the load balancer
servers among those, and whether it is self-healing live here, built from its spec and the
stack before the trial starts. Measurement and reports read this, never the fault object.
Kept free of heavy imports: harness.measure reads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FaultMeta:
    id: str
    kind: str  # the spec's type, e.g. "kill", "latency"
    family: str  # "instance", "dependency", ...
    target: str  # what it hits, for people: "shop-2", "payment (downstream)"
    self_healing: bool  # recovery is expected while the fault is in force (docs/metrics.md)
    instances: tuple[str, ...] = ()  # the stack instances it acts on, if any
    lb_servers: tuple[str, ...] = ()  # their server names in the load balancer's backend
    description: str = ""
    spec: Mapping[str, Any] = field(default_factory=dict)  # the fault's spec, as written

    @property
    def lb_server(self) -> str | None:
        """The LB server it hit, when it hit exactly one (LB figures are shown only then)."""
        return self.lb_servers[0] if len(self.lb_servers) == 1 else None

"""The data every measurement works on: requests, probe samples, LB state changes, fault windows.

All times are seconds on one clock, `time.time()`, shared by the harness, the load process and
the probes (design.md). Types here are plain frozen dataclasses so the math stays pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class RequestRecord:
    """One request as the load process saw it. `end` and `failed` are computed once, when it
    is made: assess() reads them millions of times.

    Not frozen, unlike the other types here, because the harness makes one a request while the
    load runs: a frozen dataclass sets every field through `object.__setattr__`, 1.6 us a
    record against 0.95 us (a loop of 1 M; bench/costs.py's batch decode, which makes them,
    went from 1.05 to 0.40 us a record). Nothing changes a record once made."""

    t: float  # start time
    duration: float  # seconds until the response (or the error) arrived
    name: str  # request name, e.g. "GET /products/[id]", "POST /checkout"
    status: int  # HTTP status; 0 when no response arrived (transport error)
    error: str | None  # transport error, or a business failure the user class marked
    user: int  # id of the simulated user that sent it (for "users affected")
    end: float = field(init=False, compare=False, repr=False)
    # failed request (docs/metrics.md): transport error, status >= 500, or a marked failure
    failed: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.end = self.t + self.duration
        self.failed = self.status == 0 or self.status >= 500 or self.error is not None


@dataclass(frozen=True, slots=True)
class ProbeSample:
    """One high-frequency probe of the entry URL."""

    t: float
    duration: float
    status: int  # 0 on a transport error
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500 or self.error is not None


@dataclass(frozen=True, slots=True)
class BackendEvent:
    """The load balancer's own view of one backend server changed (runtime API)."""

    t: float
    server: str  # server name in the LB backend, e.g. "shop-2"
    state: str  # "UP", "DOWN", "MAINT", "NOLB", "DRAIN", ... as HAProxy reports it
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class FaultWindow:
    """When a fault was in force.

    t_apply_called/t_inject: when apply() was called and when it returned.
    t_revert_called/t_revert: the same for revert(); None while the fault is still in force.
    self_healing: the system is expected to recover while the fault is in force (a replica
    kill), so recovery is measured from t_inject; otherwise from t_revert.
    """

    fault_id: str
    kind: str
    target: str
    t_apply_called: float
    t_inject: float
    t_revert_called: float | None = None
    t_revert: float | None = None
    self_healing: bool = False

    @property
    def recovery_reference(self) -> float | None:
        """The instant time to recover is measured from (docs/metrics.md)."""
        return self.t_inject if self.self_healing else self.t_revert

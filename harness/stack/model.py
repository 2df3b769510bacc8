"""The stack as data: services, replica groups, dependencies behind Toxiproxy, the load balancer.

The sample shop ships one of these (sample_shop/stack.yaml); a team can write one for its own
services. Nothing in harness/ knows the sample shop's names beyond that default file.

Local launch commands are templates. Placeholders: {python} (this interpreter), {host},
{port} (the instance's port), {instance} (e.g. shop-2), {state_dir}, {db_url}, {dep_url[NAME]}
(http://host:port of dependency NAME's Toxiproxy listener), {dep_addr[NAME]} (host:port).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from harness._yaml.locs import render_loc
from harness.bounded import Port, Replicas, Seconds
from harness.names import Arg, DbIdentifier, EnvName, Name, UrlPath, UserClasses
from harness.stack import references
from harness.stack.health import Health
from harness.stack.lb_settings import LbSettings
from harness.stack.references import PLACEHOLDERS
from harness.stack.setup_steps import SetupStep

__all__ = ["PLACEHOLDERS", "REFERENCES_CHECKED", "DbKind", "LbProfileName", "StackSpec"]

LbProfileName = Literal["defaults", "fast-checks", "recommended"]
DbKind = Literal["sqlite", "postgres"]
REFERENCES_CHECKED = "stack_references_checked"  # validation context: the loader checks them


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocalLaunch(_Strict):
    """How the local platform starts one instance of a service."""

    command: list[Arg] = Field(min_length=1)
    env: dict[EnvName, Arg] = Field(default_factory=dict)
    cwd: Arg | None = None  # relative to the stack file's directory (the default)
    ready_timeout: Seconds = Field(default=30.0, gt=0)
    stop_signal: Literal["SIGTERM", "SIGINT"] = "SIGTERM"


class Service(_Strict):
    description: str = ""
    replicas: Replicas = 1
    health: Health = Health()
    local: LocalLaunch | None = None
    compose_service: Name | None = None  # Compose service name, defaults to the key
    port: Port | None = None  # container port on Compose
    compose_env: dict[EnvName, Arg] = Field(
        default_factory=dict,
        description="with compose_file: env set on its containers ({dep_url[NAME]}, {db_url})",
    )


class Dependency(_Strict):
    """A dependency reached through a Toxiproxy proxy of the same name."""

    description: str = ""
    upstream: Name  # a service name, or "database"
    protocol: Literal["http", "tcp"] = "http"
    upstream_port: Port | None = Field(
        default=None, description="with compose_file: the upstream's port"
    )


class LoadBalancer(_Strict):
    backend: Name  # the service whose replicas sit behind the load balancer
    profile: LbProfileName = "recommended"  # the preset `settings` override
    check_path: UrlPath | None = None  # defaults to the backend service's ready endpoint
    settings: LbSettings | None = None


class DatabaseSpec(_Strict):
    kind: DbKind = "sqlite"
    name: DbIdentifier = "shop"
    user: DbIdentifier = "shop"
    proxied: bool = True  # with PostgreSQL, put a Toxiproxy proxy named "database" in front
    init: list[Arg] | None = None  # command template run once before the services start
    compose_service: Name | None = None  # with compose_file: the team's database service
    port: Port = 5432  # its port inside the container
    password: Arg | None = None  # with compose_file: the team's database password, if any


class Profile(_Strict):
    """A named configuration a scenario can ask for (e.g. resilience patterns switched off)."""

    description: str = ""
    env: dict[EnvName, Arg] = Field(default_factory=dict)  # extra env for the LB backend service
    lb_profile: LbProfileName | None = None


class HttpSource(_Strict):
    service: Name  # the LB backend's service is read through the load balancer
    path: UrlPath
    items: str | None = None  # the key holding the list in the JSON answer; None: the answer


class Source(_Strict):
    """Where reconciliation reads rows from: an HTTP endpoint or an SQL query on the database."""

    http: HttpSource | None = None
    sql: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Source:
        if (self.http is None) == (self.sql is None):
            raise ValueError("give either `http: {service, path, items}` or `sql: QUERY`")
        return self


class OrderFields(_Strict):
    id: str = "order_id"
    key: str | None = "idempotency_key"
    group: str | None = "cart_id"  # orders sharing it are one purchase
    status: str = "status"
    confirmed: list[str] = Field(default_factory=lambda: ["confirmed"])
    pending: list[str] = Field(default_factory=lambda: ["pending"])
    shipping: str | None = "shipping_status"
    shipping_pending: list[str] = Field(default_factory=lambda: ["pending"])
    created_at: str | None = "created_at"
    updated_at: str | None = "updated_at"


class ChargeFields(_Strict):
    id: str = "id"
    order: str = "reference"  # the order id the charge belongs to
    status: str = "status"
    captured: list[str] = Field(default_factory=lambda: ["captured"])
    created_at: str | None = "created_at"


class StockFields(_Strict):
    product: str = "id"
    level: str = "stock"


class ReconciliationSpec(_Strict):
    """The three sources of truth compared after every trial (docs/metrics.md, Correctness)."""

    orders: Source
    charges: Source | None = None  # a shop without a provider ledger: no charge checks
    stock: Source | None = None
    order_fields: OrderFields = OrderFields()
    charge_fields: ChargeFields = ChargeFields()
    stock_fields: StockFields = StockFields()
    settle: Seconds = Field(default=20.0, description="wait this long for in-flight orders")
    stuck_after: Seconds = Field(default=15.0, gt=0)
    in_flight: Seconds = Field(
        default=5.0,
        description="a confirmed, unacknowledged order created this close to the end of the "
        "load (or whose checkout was still open) is in flight, not a phantom",
    )


class StackSpec(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{0,30}$")
    description: str = ""
    services: dict[Name, Service] = Field(min_length=1)
    dependencies: dict[Name, Dependency] = Field(default_factory=dict)
    load_balancer: LoadBalancer
    database: DatabaseSpec = DatabaseSpec()
    profiles: dict[Name, Profile] = Field(default_factory=dict)
    start_order: list[Name] | None = None  # services in start order; LB backend last by default
    # module:Class,...; the stack file's directory is on the load process's sys.path
    load_user_classes: UserClasses | None = None
    setup: list[SetupStep] = Field(default_factory=list)  # run once per `up`, after the proxies
    versions: dict[Name, list[Arg]] = Field(
        default_factory=dict, description="name: command whose first output line is its version"
    )
    compose_file: Arg | None = None  # the team's own Compose file, relative to this file
    _base_dir: Path | None = PrivateAttr(default=None)

    @property
    def base_dir(self) -> Path:
        """The stack file's directory: relative paths and cwd start there (else the cwd)."""
        return self._base_dir or Path.cwd()

    def located(self, base_dir: Path) -> StackSpec:
        """This spec, with relative paths taken from `base_dir` (the loader calls this)."""
        self._base_dir = base_dir.resolve()
        return self

    def setup_steps(self) -> list[SetupStep]:
        """`database.init` (as the first step) and then `setup`, in order."""
        init = self.database.init
        first = [SetupStep(name="database-init", command=init)] if init else []
        return [*first, *self.setup]

    reconciliation: ReconciliationSpec | None = None

    @model_validator(mode="after")
    def _check_references(self, info: ValidationInfo) -> StackSpec:
        if isinstance(info.context, dict) and info.context.get(REFERENCES_CHECKED):
            return self  # the loader checked the document itself, each problem at its line
        found = references.check(self.model_dump())
        if found:
            raise ValueError("; ".join(f"{render_loc(loc)}: {what}" for loc, what, _ in found))
        return self

    def ordered_services(self) -> list[str]:
        """Start order: dependencies first, the LB backend last."""
        if self.start_order is not None:
            return list(self.start_order)
        backend = self.load_balancer.backend
        return [n for n in self.services if n != backend] + [backend]

    def instance_names(self, service: str, backend_replicas: int | None = None) -> list[str]:
        """Instance names of a service: "payment" for a singleton, "shop-1".."shop-N" for the
        LB backend (always numbered) or any replicated service."""
        backend = service == self.load_balancer.backend
        n = (
            (backend_replicas or self.services[service].replicas)
            if backend
            else (self.services[service].replicas)
        )
        if n == 1 and not backend:
            return [service]
        return [f"{service}-{i}" for i in range(1, n + 1)]

    def all_instance_names(self, backend_replicas: int | None = None) -> list[str]:
        return [
            n for s in self.ordered_services() for n in self.instance_names(s, backend_replicas)
        ]

    def check_path(self) -> str:
        return (
            self.load_balancer.check_path
            or self.services[self.load_balancer.backend].health.http_check().path
        )

    def proxies(self, db_kind: DbKind) -> dict[str, Dependency]:
        """The Toxiproxy proxies this stack needs with the given database."""
        deps = {
            n: d
            for n, d in self.dependencies.items()
            if d.upstream != "database" or db_kind != "sqlite"
        }
        if db_kind == "postgres" and self.database.proxied and "database" not in deps:
            deps["database"] = Dependency(
                upstream="database", protocol="tcp", description="PostgreSQL"
            )
        return deps

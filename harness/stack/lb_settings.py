"""The load balancer's settings in a stack file: each overrides the named preset in force.

The presets (`defaults`, `fast-checks`, `recommended`) live in harness/lb/haproxy_config.py with
their measured effect (docs/architecture.md); a stack file sets what its shop needs on top,
e.g. a longer read timeout for a slow search page, or no retries for a shop that retries itself.
Every field left out keeps the preset's value.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# HAProxy's time format: a number with an optional unit (us, ms, s, m, h, d); no unit is ms.
HaproxyTime = Annotated[str, Field(pattern=r"^[0-9]{1,9}(us|ms|s|m|h|d)?$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LbTimeouts(_Strict):
    connect: HaproxyTime | None = None
    client: HaproxyTime | None = None
    server: HaproxyTime | None = None  # every request; keep it above the shop's own deadlines
    check: HaproxyTime | None = None  # one health check
    read: HaproxyTime | None = Field(
        default=None, description="server timeout for GET/HEAD only (retried elsewhere); 0: none"
    )


class LbChecks(_Strict):
    """Active health checks: every `inter` while up, `fastinter` while changing state,
    `downinter` while down; `fall` failures mark a server down, `rise` successes up."""

    inter: HaproxyTime | None = None
    fastinter: HaproxyTime | None = None
    downinter: HaproxyTime | None = None
    fall: int | None = Field(default=None, ge=1, le=100)
    rise: int | None = Field(default=None, ge=1, le=100)
    passive: bool | None = Field(
        default=None, description="also mark a server down after 2 connection errors in traffic"
    )


class LbSettings(_Strict):
    timeouts: LbTimeouts = LbTimeouts()
    checks: LbChecks = LbChecks()
    retries: int | None = Field(default=None, ge=0, le=10)
    redispatch: bool | None = None  # retry on another server
    retry_on: list[str] | None = Field(
        default=None, description="HAProxy retry-on keywords; [] turns L7 retries off"
    )

"""Bounded numbers for input files: every number a scenario or stack file gives is finite and has
an upper bound (docs/scenarios.md and docs/stacks.md list them).

Without them `users: 99999999999999999999` or `spawn_rate: 1e308` passed the schema and failed
far from the file, or never. A field adds its own lower bound where it is stricter
(`Field(gt=0)`); durations are bounded in harness/scenario/durations.py.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_USERS = 10_000  # Locust users in one load process
MAX_RATE = 10_000.0  # users started per second
MAX_REPLICAS = 64  # instances of one service (processes or containers on one machine)
MAX_COUNT = 1_000_000_000  # tallies in expectations: errors, orders, charges
MAX_REPEAT = 1_000  # trials of one scenario
MAX_FACTOR = 1_000.0  # multipliers and ratios of two measurements
MAX_WEIGHT = 1_000_000.0
MAX_SECONDS = 86_400.0  # plain seconds in a stack file (timeouts, waits): one day
MAX_BYTES = 1 << 30  # sizes given to Toxiproxy: 1 GiB
MAX_KBPS = 10_000_000  # bandwidth: 10 GB/s

Users = Annotated[int, Field(ge=1, le=MAX_USERS)]
Rate = Annotated[float, Field(gt=0, le=MAX_RATE, allow_inf_nan=False)]  # per second
Replicas = Annotated[int, Field(ge=1, le=MAX_REPLICAS)]
InstanceCount = Annotated[int, Field(ge=0, le=MAX_REPLICAS)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
PositiveCount = Annotated[int, Field(ge=1, le=MAX_COUNT)]
Repeat = Annotated[int, Field(ge=1, le=MAX_REPEAT)]
Ratio = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]  # a share: 0..1
Factor = Annotated[float, Field(ge=0, le=MAX_FACTOR, allow_inf_nan=False)]
Weight = Annotated[float, Field(ge=0, le=MAX_WEIGHT, allow_inf_nan=False)]
Seconds = Annotated[float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)]
Threshold = Annotated[
    float, Field(ge=0, le=MAX_SECONDS, allow_inf_nan=False)
]  # a rate or a p95 in seconds
ByteCount = Annotated[int, Field(ge=0, le=MAX_BYTES)]
Kbps = Annotated[int, Field(ge=1, le=MAX_KBPS)]
Port = Annotated[int, Field(ge=1, le=65_535)]
Seed = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]

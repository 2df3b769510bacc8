"""The shop's settings, from SHOP_* environment variables (docs/sample-shop.md).

Profiles: SHOP_PROFILE=default (every resilience pattern on) or unsafe (all off); each
SHOP_<PATTERN>=on|off wins over the profile, so a scenario can switch off exactly one.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from sample_shop.common.settings import SettingError, flag, number, text

PATTERNS = ("timeouts", "retries", "breaker", "idempotency", "outbox")


@dataclass(frozen=True)
class Patterns:
    timeouts: bool = True
    retries: bool = True
    breaker: bool = True
    idempotency: bool = True
    outbox: bool = True

    def as_dict(self) -> dict[str, bool]:
        return {p: getattr(self, p) for p in PATTERNS}


@dataclass(frozen=True)
class Settings:
    db_url: str
    payment_url: str
    shipping_url: str
    instance: str = field(default_factory=socket.gethostname)
    patterns: Patterns = Patterns()
    payment_timeout: float = 1.0
    shipping_timeout: float = 0.5
    retry_attempts: int = 3
    checkout_deadline: float = 5.0
    breaker_fail_max: int = 5
    breaker_reset: float = 5.0
    outbox_interval: float = 1.0
    access_log: bool = True
    flat_shipping_cents: int = 499

    @classmethod
    def from_env(cls) -> Settings:
        profile = text("SHOP_PROFILE", "default")
        if profile not in ("default", "unsafe"):
            raise SettingError(f"SHOP_PROFILE={profile!r}: write default or unsafe")
        base = profile == "default"
        patterns = Patterns(**{p: flag(f"SHOP_{p.upper()}", base) for p in PATTERNS})
        return cls(
            db_url=text("SHOP_DB_URL"),
            payment_url=text("SHOP_PAYMENT_URL"),
            shipping_url=text("SHOP_SHIPPING_URL"),
            instance=text("SHOP_INSTANCE", socket.gethostname()),
            patterns=patterns,
            payment_timeout=number("SHOP_PAYMENT_TIMEOUT", 1.0),
            shipping_timeout=number("SHOP_SHIPPING_TIMEOUT", 0.5),
            retry_attempts=int(number("SHOP_RETRY_ATTEMPTS", 3)),
            checkout_deadline=number("SHOP_CHECKOUT_DEADLINE", 5.0),
            breaker_fail_max=int(number("SHOP_BREAKER_FAIL_MAX", 5)),
            breaker_reset=number("SHOP_BREAKER_RESET", 5.0),
            outbox_interval=number("SHOP_OUTBOX_INTERVAL", 1.0),
            access_log=flag("SHOP_ACCESS_LOG", True),
        )

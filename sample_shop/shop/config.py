"""The shop's settings, from SHOP_* environment variables (docs/sample-shop.md).

SHOP_PROFILE=default switches every resilience pattern on, SHOP_PROFILE=unsafe all off; an
individual SHOP_TIMEOUTS / SHOP_RETRIES / SHOP_BREAKER / SHOP_IDEMPOTENCY / SHOP_OUTBOX
(on|off) wins over the profile, so a scenario can switch off exactly one pattern.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from sample_shop.common import env

PATTERNS = ("timeouts", "retries", "breaker", "idempotency", "outbox")
PROFILES = ("default", "unsafe")


@dataclass(frozen=True)
class Profile:
    """Which resilience patterns are on."""

    timeouts: bool = True
    retries: bool = True
    breaker: bool = True
    idempotency: bool = True
    outbox: bool = True

    @classmethod
    def named(cls, name: str) -> Profile:
        if name not in PROFILES:
            raise env.SettingError(f"SHOP_PROFILE={name!r}: write one of {', '.join(PROFILES)}")
        on = name == "default"
        return cls(**dict.fromkeys(PATTERNS, on))

    @classmethod
    def from_env(cls) -> Profile:
        base = cls.named(env.choice("SHOP_PROFILE", "default", PROFILES))
        return cls(**{p: env.switch(f"SHOP_{p.upper()}", getattr(base, p)) for p in PATTERNS})

    def as_dict(self) -> dict[str, bool]:
        return {p: bool(getattr(self, p)) for p in PATTERNS}


@dataclass(frozen=True)
class Settings:
    db_url: str
    payment_url: str = "http://payment"
    shipping_url: str = "http://shipping"
    instance: str = field(default_factory=socket.gethostname)
    profile: Profile = field(default_factory=Profile)
    payment_timeout: float = 1.0
    shipping_timeout: float = 0.5
    retry_attempts: int = 3
    checkout_deadline: float = 5.0
    breaker_fail_max: int = 5
    breaker_reset: float = 5.0
    outbox_interval: float = 1.0
    # a pending order untouched this long is finished (or failed) by the background resolver
    resolve_after: float = 10.0
    shutdown_grace: float = 10.0
    access_log: bool = True
    flat_shipping_cents: int = 499

    @classmethod
    def from_env(cls) -> Settings:
        deadline = env.number("SHOP_CHECKOUT_DEADLINE", 5.0, minimum=0.1)
        return cls(
            db_url=env.text("SHOP_DB_URL"),
            payment_url=env.text("SHOP_PAYMENT_URL"),
            shipping_url=env.text("SHOP_SHIPPING_URL"),
            instance=env.text("SHOP_INSTANCE", socket.gethostname()),
            profile=Profile.from_env(),
            payment_timeout=env.number("SHOP_PAYMENT_TIMEOUT", 1.0, minimum=0.01),
            shipping_timeout=env.number("SHOP_SHIPPING_TIMEOUT", 0.5, minimum=0.01),
            retry_attempts=env.integer("SHOP_RETRY_ATTEMPTS", 3, minimum=1),
            checkout_deadline=deadline,
            breaker_fail_max=env.integer("SHOP_BREAKER_FAIL_MAX", 5, minimum=1),
            breaker_reset=env.number("SHOP_BREAKER_RESET", 5.0, minimum=0.1),
            outbox_interval=env.number("SHOP_OUTBOX_INTERVAL", 1.0, minimum=0.01),
            resolve_after=env.number("SHOP_RESOLVE_AFTER", max(10.0, 2 * deadline), minimum=1),
            shutdown_grace=env.number("SHOP_SHUTDOWN_GRACE", 10.0),
            access_log=env.switch("SHOP_ACCESS_LOG", True),
        )

    @property
    def attempts(self) -> int:
        """Attempts per outbound call: 1 when SHOP_RETRIES=off."""
        return self.retry_attempts if self.profile.retries else 1

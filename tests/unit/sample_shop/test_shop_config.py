"""Settings from SHOP_* variables: profiles, individual switches, errors naming the variable."""

from __future__ import annotations

import pytest

from sample_shop.common.env import SettingError, parse_switch
from sample_shop.shop.config import PATTERNS, Settings

REQUIRED = {
    "SHOP_DB_URL": "sqlite:///x.db",
    "SHOP_PAYMENT_URL": "http://p",
    "SHOP_SHIPPING_URL": "http://s",
}


@pytest.fixture
def shop_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ["SHOP_PROFILE", *(f"SHOP_{p.upper()}" for p in PATTERNS)]:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults(shop_env: pytest.MonkeyPatch) -> None:
    shop_env.setenv("SHOP_INSTANCE", "shop-1")
    s = Settings.from_env()
    assert all(s.profile.as_dict().values())
    assert (s.instance, s.payment_timeout, s.shipping_timeout) == ("shop-1", 1.0, 0.5)
    assert (s.retry_attempts, s.checkout_deadline, s.breaker_fail_max) == (3, 5.0, 5)
    assert (s.breaker_reset, s.outbox_interval, s.shutdown_grace) == (5.0, 1.0, 10.0)
    assert s.access_log is True


def test_unsafe_profile_and_individual_switches_win(shop_env: pytest.MonkeyPatch) -> None:
    shop_env.setenv("SHOP_PROFILE", "unsafe")
    assert not any(Settings.from_env().profile.as_dict().values())
    shop_env.setenv("SHOP_RETRIES", "on")
    p = Settings.from_env().profile
    assert p.retries and not p.breaker and not p.timeouts
    shop_env.setenv("SHOP_PROFILE", "default")
    shop_env.setenv("SHOP_OUTBOX", "off")
    assert Settings.from_env().profile.as_dict() == {
        "timeouts": True,
        "retries": True,
        "breaker": True,
        "idempotency": True,
        "outbox": False,
    }


def test_retries_off_means_one_attempt(shop_env: pytest.MonkeyPatch) -> None:
    shop_env.setenv("SHOP_RETRY_ATTEMPTS", "5")
    assert Settings.from_env().attempts == 5
    shop_env.setenv("SHOP_RETRIES", "off")
    assert Settings.from_env().attempts == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SHOP_BREAKER", "maybe"),
        ("SHOP_PROFILE", "yolo"),
        ("SHOP_PAYMENT_TIMEOUT", "fast"),
        ("SHOP_RETRY_ATTEMPTS", "0"),
        ("SHOP_ACCESS_LOG", "loud"),
    ],
)
def test_bad_values_name_the_variable(shop_env: pytest.MonkeyPatch, name: str, value: str) -> None:
    shop_env.setenv(name, value)
    with pytest.raises(SettingError, match=name):
        Settings.from_env()


def test_missing_required_variable_is_named(shop_env: pytest.MonkeyPatch) -> None:
    shop_env.delenv("SHOP_DB_URL")
    with pytest.raises(SettingError, match="SHOP_DB_URL is not set"):
        Settings.from_env()


@pytest.mark.parametrize(
    ("raw", "value"), [("on", True), ("OFF", False), ("1", True), ("no", False)]
)
def test_switch_spellings(raw: str, value: bool) -> None:
    assert parse_switch("X", raw) is value

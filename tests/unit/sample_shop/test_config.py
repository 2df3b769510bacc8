import pytest

from sample_shop.common.settings import SettingError
from sample_shop.shop.config import Settings

BASE = {
    "SHOP_DB_URL": "sqlite:///x",
    "SHOP_PAYMENT_URL": "http://p",
    "SHOP_SHIPPING_URL": "http://s",
}


def test_profiles_and_individual_switches(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in BASE.items():
        monkeypatch.setenv(k, v)
    assert all(Settings.from_env().patterns.as_dict().values())
    monkeypatch.setenv("SHOP_PROFILE", "unsafe")
    assert not any(Settings.from_env().patterns.as_dict().values())
    monkeypatch.setenv("SHOP_RETRIES", "on")
    p = Settings.from_env().patterns
    assert p.retries and not p.breaker


def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    for k, v in BASE.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("SHOP_BREAKER", "maybe")
    with pytest.raises(SettingError, match="SHOP_BREAKER"):
        Settings.from_env()
    monkeypatch.delenv("SHOP_BREAKER")
    monkeypatch.setenv("SHOP_PROFILE", "yolo")
    with pytest.raises(SettingError, match="SHOP_PROFILE"):
        Settings.from_env()

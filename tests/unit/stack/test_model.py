from pathlib import Path

import pytest

from harness.errors import InputError
from harness.platforms.base import StackOptions
from harness.stack.loader import load_stack


def test_the_sample_shop_stack_loads() -> None:
    spec, path = load_stack()
    assert path.name == "stack.yaml"
    assert spec.load_balancer.backend == "shop"
    assert spec.instance_names("shop") == ["shop-1", "shop-2", "shop-3"]
    assert spec.instance_names("shop", 5)[-1] == "shop-5"
    assert spec.instance_names("payment") == ["payment"]
    assert spec.ordered_services()[-1] == "shop"
    assert set(spec.proxies("sqlite")) == {"payment", "shipping"}
    assert set(spec.proxies("postgres")) == {"payment", "shipping", "database"}


def test_profiles_resolve_and_unknown_ones_are_named() -> None:
    spec, _ = load_stack()
    r = StackOptions(profile="no-retries").resolve(spec)
    assert r.backend_env == {"SHOP_RETRIES": "off"} and r.lb_profile == "fast-checks"
    assert (
        StackOptions(lb_profile="defaults", profile="no-retries").resolve(spec).lb_profile
        == "defaults"
    )
    with pytest.raises(InputError) as exc:
        StackOptions(profile="nope").resolve(spec)
    assert "unsafe" in (exc.value.problems[0].hint or "")


def test_a_platform_default_database_applies_only_when_none_is_asked_for() -> None:
    spec, _ = load_stack()
    assert StackOptions().resolve(spec).db == "sqlite"  # the spec's kind
    assert StackOptions().resolve(spec, db_default="postgres").db == "postgres"
    assert StackOptions(db="sqlite").resolve(spec, db_default="postgres").db == "sqlite"


def test_bad_stack_descriptions_are_located(tmp_path: Path) -> None:
    p = tmp_path / "stack.yaml"
    p.write_text(
        "name: mine\n"
        "services:\n"
        "  web:\n"
        "    local:\n"
        "      command: ['{python}', '{prot}']\n"
        "load_balancer: {backend: api}\n"
    )
    with pytest.raises(InputError) as exc:
        load_stack(p)
    text = str(exc.value)
    assert "load_balancer.backend 'api' is not a service" in text
    p.write_text(
        "name: mine\nservices:\n  web:\n    local: {command: ['{prot}']}\n"
        "load_balancer: {backend: web}\n"
    )
    with pytest.raises(InputError, match=r"unknown placeholder \{prot\}"):
        load_stack(p)


def _spec(tmp_path: Path, extra: str) -> tuple[object, Path]:
    path = tmp_path / "stack.yaml"
    path.write_text(
        "name: t\nservices:\n  web:\n    health: {http: {path: /h/, host: shop.example}}\n"
        "    local: {command: ['{python}', x], cwd: app}\n"
        "load_balancer: {backend: web, settings: {timeouts: {server: 30s}}}\n" + extra
    )
    return load_stack(path)


def test_a_grown_up_stack_file_loads_with_its_directory(tmp_path: Path) -> None:
    spec, _ = _spec(
        tmp_path,
        "database: {init: ['{python}', '-c', '1']}\n"
        "setup: [{name: migrate, command: ['{python}', m.py, '{db_url}'], timeout: 600}]\n"
        "versions: {app: ['{python}', '-c', 'print(1)']}\n",
    )
    assert spec.base_dir == tmp_path.resolve()  # type: ignore[attr-defined]
    assert [s.name for s in spec.setup_steps()] == ["database-init", "migrate"]  # type: ignore[attr-defined]
    health = spec.services["web"].health  # type: ignore[attr-defined]
    assert health.kind == "http" and health.http_check().host == "shop.example"
    assert spec.check_path() == "/h/"  # type: ignore[attr-defined]


def test_unknown_placeholders_in_setup_and_two_ready_checks_are_located(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        _spec(tmp_path, "setup: [{name: m, command: ['{pyhton}']}]\n")
    assert "setup[m]: unknown placeholder {pyhton}" in str(exc.value)
    path = tmp_path / "two.yaml"
    path.write_text(
        "name: t\nservices:\n  web: {health: {tcp: true, exec: [x]}}\n"
        "load_balancer: {backend: web}\n"
    )
    with pytest.raises(InputError, match="give one ready check, not tcp and exec"):
        load_stack(path)

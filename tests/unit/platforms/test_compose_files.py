"""The Compose platform's contract with compose/docker-compose.yml, checked without Docker."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from harness.platforms import _compose_files as files
from harness.platforms.base import StackOptions
from harness.stack.loader import load_stack

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "compose"


def compose_model() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((COMPOSE / "docker-compose.yml").read_text())


def test_instances_map_to_one_compose_service_each() -> None:
    spec, _ = load_stack()
    opts = StackOptions(db="postgres").resolve(spec)
    got = [(i.name, i.service, i.compose_service, i.port) for i in files.instances(spec, opts)]
    assert got == [
        ("payment", "payment", "payment", 8000),
        ("shipping", "shipping", "shipping", 8000),
        ("shop-1", "shop", "shop-1", 8000),
        ("shop-2", "shop", "shop-2", 8000),
        ("shop-3", "shop", "shop-3", 8000),
    ]
    assert files.port_variable("shop-2") == "SHOPCHAOS_PORT_SHOP_2"


def test_the_compose_file_defines_and_publishes_what_the_harness_reaches() -> None:
    spec, _ = load_stack()
    services = compose_model()["services"]
    opts = StackOptions(db="postgres").resolve(spec)
    for inst in files.instances(spec, opts):
        (port,) = services[inst.compose_service]["ports"]
        assert port.startswith(f"127.0.0.1:${{{inst.port_variable}:-")
        assert port.endswith(f"}}:{inst.port}")
        assert services[inst.compose_service]["restart"] == "no"  # killed stays dead
    published = [p for svc in services.values() for p in svc.get("ports", [])]
    assert all(p.startswith("127.0.0.1:${SHOPCHAOS_") for p in published)
    assert any(p.endswith(f":{files.LB_RUNTIME_PORT}") for p in services["haproxy"]["ports"])


def test_the_toxiproxy_config_has_every_dependency_of_the_stack() -> None:
    import json

    spec, _ = load_stack()
    config = json.loads((COMPOSE / "toxiproxy" / "toxiproxy.json").read_text())
    proxies = {p["name"] for p in config}
    assert proxies == set(spec.proxies(files.DB_KIND))


def test_the_committed_haproxy_config_is_the_rendering_for_the_defaults() -> None:
    spec, _ = load_stack()
    rendered = files.haproxy_cfg(spec, StackOptions(db=files.DB_KIND).resolve(spec))
    committed = (COMPOSE / "haproxy" / "haproxy.cfg").read_text()
    assert committed == rendered, (
        "regenerate it: python -m harness.platforms._compose_files > compose/haproxy/haproxy.cfg"
    )


@pytest.mark.skipif(shutil.which("haproxy") is None, reason="haproxy is installed by make setup")
def test_haproxy_accepts_the_compose_rendering(tmp_path: Path) -> None:
    cfg = tmp_path / "h.cfg"
    cfg.write_text((COMPOSE / "haproxy" / "haproxy.cfg").read_text())
    done = subprocess.run(
        ["haproxy", "-c", "-q", "-f", str(cfg)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_override_mounts_the_config_and_sets_the_profile_on_backend_replicas_only() -> None:
    spec, _ = load_stack()
    opts = StackOptions(db="postgres", profile="unsafe", replicas=2).resolve(spec)
    text = files.override(spec, opts, Path("/state/haproxy.cfg"))
    doc = yaml.safe_load(text)
    assert doc["services"]["haproxy"]["volumes"] == [
        f"/state/haproxy.cfg:{files.LB_CONFIG_PATH}:ro"
    ]
    # named only: Compose takes the value from `docker compose up`'s environment
    assert doc["services"]["shop-2"]["environment"] == ["SHOP_PROFILE"]
    assert "unsafe" not in text
    assert set(doc["services"]) == {"haproxy", "shop-1", "shop-2"}
    plain = yaml.safe_load(files.override(spec, StackOptions().resolve(spec), Path("/x")))
    assert set(plain["services"]) == {"haproxy"}


def test_project_names_differ_per_state_dir_and_are_stable(tmp_path: Path) -> None:
    a = files.project_name("sample-shop", tmp_path / "a")
    assert a == files.project_name("sample-shop", tmp_path / "a")
    assert a != files.project_name("sample-shop", tmp_path / "b")
    assert a.startswith("shopchaos-sample-shop-")

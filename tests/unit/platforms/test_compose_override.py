"""The override for a team's own Compose file (no Docker needed: the team's resolved model is
the Bookshop's compose.yaml as `docker compose config` returns it, abridged)."""

from pathlib import Path

import pytest
import yaml

from harness.errors import StackError
from harness.platforms import _compose_files as files
from harness.platforms import _compose_override as own
from harness.platforms.base import StackOptions
from harness.stack.loader import load_stack

BOOKSHOP = Path(__file__).resolve().parents[3] / "examples" / "bookshop" / "stack.yaml"
APP = {"image": "bookshop/app:latest", "networks": {"default": None}}
TEAM = {
    "services": {
        "db": {"image": "shopchaos/postgres:latest", "networks": {"default": None}},
        "migrate": {**APP, "command": ["sh", "-c", "python manage.py migrate"]},
        "paygate": {**APP, "command": ["gunicorn", "paygate:app"]},
        "storefront": {
            **APP,
            "command": ["gunicorn", "storefront:app"],
            "environment": {
                "PAYGATE_URL": "http://paygate:8000",
                "ALLOWED_HOSTS": "bookshop.local",
            },
            "ports": [{"target": 8000, "published": "8000", "host_ip": "127.0.0.1"}],
            "container_name": "bookshop-web",
            "depends_on": {"migrate": {"condition": "service_completed_successfully"}},
        },
    }
}


def test_the_override_adds_ours_and_copies_the_backend_per_replica(tmp_path: Path) -> None:
    spec, _ = load_stack(BOOKSHOP)
    opts = StackOptions(db=files.DB_KIND).resolve(spec)
    path, start = own.write(spec, opts, tmp_path, TEAM)
    services = yaml.safe_load(path.read_text())["services"]
    assert start == [
        "shopchaos-haproxy",
        "shopchaos-toxiproxy",
        "db",
        "migrate",
        "paygate",
        "storefront-1",
        "storefront-2",
        "storefront-3",
    ]  # the team's own storefront is copied, not started
    replica = services["storefront-2"]
    assert replica["command"] == ["gunicorn", "storefront:app"]
    assert replica["environment"]["PAYGATE_URL"] == "http://shopchaos-toxiproxy:8666"  # rewired
    assert replica["environment"]["ALLOWED_HOSTS"] == "bookshop.local"  # the rest as written
    assert replica["ports"] == ["127.0.0.1:${SHOPCHAOS_PORT_STOREFRONT_2}:8000"]
    assert "container_name" not in replica and replica["restart"] == "no"
    assert replica["depends_on"]["shopchaos-toxiproxy"] == {"condition": "service_healthy"}
    assert services["db"] == {"ports": ["127.0.0.1:${SHOPCHAOS_POSTGRES_PORT}:5432"]}
    assert "migrate" not in services  # left exactly as the team wrote it
    proxies = (tmp_path / "toxiproxy.json").read_text()
    assert '"upstream": "paygate:8000"' in proxies and '"listen": "0.0.0.0:8666"' in proxies
    cfg = (tmp_path / "haproxy.cfg").read_text()
    assert "server storefront-3 storefront-3:8000" in cfg
    assert "hdr Host bookshop.local" in cfg and "set-timeout server 6s" in cfg


def test_a_service_the_teams_file_lacks_is_named(tmp_path: Path) -> None:
    spec, _ = load_stack(BOOKSHOP)
    opts = StackOptions(db=files.DB_KIND).resolve(spec)
    team = {"services": {k: v for k, v in TEAM["services"].items() if k != "paygate"}}
    with pytest.raises(StackError, match="defines no service paygate"):
        own.write(spec, opts, tmp_path, team)
    assert files.layout(spec).infra == ("shopchaos-haproxy", "shopchaos-toxiproxy", "db")

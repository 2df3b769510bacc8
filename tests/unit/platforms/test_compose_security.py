"""The Compose platform's share of a locked-down stack, without a Docker engine: published ports
on loopback only, private state files, and no env value from the stack file in any file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml

from harness.errors import StackError
from harness.platforms import _compose_up as steps
from harness.platforms._private_files import mode
from harness.platforms.base import StackOptions
from harness.stack.loader import load_stack


def container(bindings: dict[str, list[dict[str, str]]]) -> Any:
    """What the Docker SDK gives for a container: its `attrs` (docker inspect)."""
    return SimpleNamespace(attrs={"HostConfig": {"PortBindings": bindings}})


def test_ports_published_on_loopback_pass() -> None:
    steps.require_loopback_ports(
        {
            "haproxy": container(
                {
                    "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18080"}],
                    "9999/tcp": [{"HostIp": "127.0.0.1", "HostPort": "18999"}],
                }
            ),
            "db-init": container({}),
        }
    )


@pytest.mark.parametrize("host_ip", ["", "0.0.0.0", "::", "192.168.1.4"])
def test_a_port_published_beyond_loopback_is_refused(host_ip: str) -> None:
    with pytest.raises(StackError) as exc:
        steps.require_loopback_ports(
            {"toxiproxy": container({"8474/tcp": [{"HostIp": host_ip, "HostPort": "18474"}]})}
        )
    assert "toxiproxy publishes 8474/tcp on" in exc.value.message
    assert "127.0.0.1:${VAR}:PORT" in (exc.value.hint or "")


def test_the_state_files_are_private_but_the_mounted_haproxy_config(tmp_path: Path) -> None:
    spec, _ = load_stack()
    opts = StackOptions(db="postgres", profile="no-breaker").resolve(spec)
    state = tmp_path / "compose-sample-shop"
    override = steps.write_files(spec, opts, state)
    assert mode(state) == 0o700
    assert mode(override) == 0o600
    assert mode(state / "haproxy.cfg") == 0o644  # read by the container's `haproxy` user
    doc = yaml.safe_load(override.read_text())
    assert doc["services"]["shop-1"]["environment"] == ["SHOP_BREAKER"]  # named, no value

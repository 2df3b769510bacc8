"""The Compose platform's typed errors, without a Docker engine: each says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import PlatformUnavailableError, StackError, ToolMissingError
from harness.platforms._compose_cli import ComposeCli, check_plugin
from harness.platforms.base import StackOptions
from harness.platforms.compose import ComposePlatform
from harness.platforms.compose_state import ComposeState
from harness.stack.loader import load_stack


def platform(tmp_path: Path) -> ComposePlatform:
    spec, path = load_stack()
    return ComposePlatform(spec, tmp_path / "state", spec_path=path, entry_port=0)


def fake_docker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, script: str) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    docker = bin_dir / "docker"
    docker.write_text("#!/bin/sh\n" + script)
    docker.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_an_unreachable_engine_is_named_with_the_setup_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    plat = platform(tmp_path)
    for action in (lambda: plat.up(StackOptions()), plat.down):
        with pytest.raises(PlatformUnavailableError) as exc:
            action()
        assert f"unix://{tmp_path}/no-such.sock" in exc.value.message
        assert "make compose-setup" in (exc.value.hint or "")


def test_a_missing_compose_plugin_names_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_docker(
        tmp_path, monkeypatch, "echo 'docker: unknown command: docker compose' >&2\nexit 1\n"
    )
    with pytest.raises(ToolMissingError) as exc:
        check_plugin()
    assert "Compose v2 plugin is missing" in exc.value.message
    hint = exc.value.hint or ""
    assert "make compose-setup" in hint
    assert "go install" in hint and "github.com/docker/compose/v2/cmd@v2.35.0" in hint
    assert "~/.docker/cli-plugins/docker-compose" in hint


def test_compose_v1_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_docker(tmp_path, monkeypatch, "echo 1.29.2\n")
    with pytest.raises(ToolMissingError, match="needs Compose v2"):
        check_plugin()


def test_no_docker_cli_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match="Docker CLI is not installed") as exc:
        check_plugin()
    assert "make compose-setup" in (exc.value.hint or "")


def test_a_failing_compose_command_is_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_docker(tmp_path, monkeypatch, "echo 'service \"shop-9\" has no image' >&2\nexit 15\n")
    compose_file = tmp_path / "docker-compose.yml"
    compose_file.write_text("services: {}\n")
    cli = ComposeCli("p", [compose_file])
    with pytest.raises(StackError) as exc:
        cli.run("up", "-d", timeout=10)
    assert "`docker compose up -d` failed (exit 15)" in exc.value.message
    assert 'service "shop-9" has no image' in exc.value.message
    assert cli.argv("ps")[1:] == ["compose", "-p", "p", "-f", str(compose_file), "ps"]


def test_compose_runs_postgresql_and_says_so_for_sqlite(tmp_path: Path) -> None:
    plat = platform(tmp_path)
    assert plat.resolve(StackOptions()).db == "postgres"
    with pytest.raises(StackError, match="runs postgres") as exc:
        plat.up(StackOptions(db="sqlite"))
    assert "--platform local" in (exc.value.hint or "")


def test_a_compose_start_cut_short_reads_as_half_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """status/endpoints/recover on a Compose stack whose `up` was cut short say so (not "no
    stack is up"), even when the engine cannot say which containers it created."""
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path}/no-such.sock")
    plat = platform(tmp_path)
    plat.store.save(
        ComposeState(
            project=plat.project,
            stack=plat.spec.name,
            spec_path=None,
            compose_files=[],
            options=plat.resolve(StackOptions()).redacted(),
            services=[],
            env={},
        )
    )
    with pytest.raises(StackError) as exc:
        plat.endpoints()
    assert "a Compose stack was only half started" in exc.value.message
    assert "started: unknown (the Docker engine is not reachable)" in exc.value.message
    assert (exc.value.hint or "").startswith("`shopchaos down --platform compose` stops what")

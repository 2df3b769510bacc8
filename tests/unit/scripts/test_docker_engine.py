"""scripts/docker-engine decides by the engine (dockerd), not by the CLI: run on fake PATHs.

Each case builds a PATH of stubs (docker, dockerd, apt-get, id) plus the few real programs the
script uses, runs the real script, and checks what it did: what it installed, what it started,
its exit code and what it said. The stubs keep their state in files (the engine "runs" once
the fake dockerd touched a file), so nothing here needs Docker or root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "docker-engine"
REAL = ("bash", "sleep", "tail", "sort", "head", "setsid", "nohup", "cat", "touch", "cp")

DOCKER = """#!/bin/bash
# fake docker CLI: the engine answers once the fake dockerd ran
case "$1" in
  info) [ -f "$STATE/running" ] ;;
  version)
    [ -f "$STATE/running" ] || exit 1
    case "$3" in
      *Client.Version*) echo "28.2.2 (API 1.50)" ;;
      *Server.Version*) echo "20.10.24 (API 1.41)" ;;
      *Server.APIVersion*) echo "1.41" ;;
    esac ;;
  *) exit 2 ;;
esac
"""
DOCKERD = """#!/bin/bash
echo started >> "$STATE/dockerd.calls"
touch "$STATE/running"
"""
APT_GET = """#!/bin/bash
echo "$*" >> "$STATE/apt.calls"
if [ "$1" = install ]; then
  # Debian's docker.io brings both halves
  cp "$STATE/templates/docker" "$STATE/templates/dockerd" "$FAKEBIN/"
fi
"""
ID = """#!/bin/bash
[ "$1" = -u ] && echo "$FAKE_UID"
"""


@dataclass
class Outcome:
    code: int
    out: str
    apt: list[str]
    dockerd_starts: int


def run(
    tmp: Path,
    *,
    cli: bool,
    engine: bool,
    running: bool = False,
    root: bool = True,
    apt: bool = True,
    env: dict[str, str] | None = None,
) -> Outcome:
    fakebin, state, templates = tmp / "bin", tmp / "state", tmp / "state" / "templates"
    for d in (fakebin, templates):
        d.mkdir(parents=True)
    for name, text in (("docker", DOCKER), ("dockerd", DOCKERD)):
        (templates / name).write_text(text)
        (templates / name).chmod(0o755)
    stubs = {"id": ID}
    if apt:
        stubs["apt-get"] = APT_GET
    for name, text in stubs.items():
        (fakebin / name).write_text(text)
        (fakebin / name).chmod(0o755)
    if cli:
        shutil.copy(templates / "docker", fakebin / "docker")
    if engine:
        shutil.copy(templates / "dockerd", fakebin / "dockerd")
    if running:
        (state / "running").touch()
    real = tmp / "real"
    real.mkdir()
    for prog in REAL:
        found = shutil.which(prog)
        if found:
            (real / prog).symlink_to(found)
    done = subprocess.run(
        [str(real / "bash"), str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={
            "PATH": f"{fakebin}:{real}",
            "STATE": str(state),
            "FAKEBIN": str(fakebin),
            "FAKE_UID": "0" if root else "1000",
            "SHOPCHAOS_DOCKERD_LOG": str(tmp / "dockerd.log"),
            "SHOPCHAOS_DOCKERD_WAIT": "5",
            **(env or {}),
        },
    )
    calls = state / "apt.calls"
    starts = state / "dockerd.calls"
    return Outcome(
        code=done.returncode,
        out=done.stdout + done.stderr,
        apt=calls.read_text().splitlines() if calls.exists() else [],
        dockerd_starts=len(starts.read_text().splitlines()) if starts.exists() else 0,
    )


def installed_docker_io(o: Outcome) -> bool:
    return any(c.startswith("install") and "docker.io" in c for c in o.apt)


def test_a_cli_without_an_engine_gets_debians_engine_installed_and_started(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=False)
    assert o.code == 0, o.out
    assert installed_docker_io(o)
    assert o.dockerd_starts == 1
    assert "no Docker engine (dockerd)" in o.out and "only a client" in o.out
    assert "CLI 28.2.2 (API 1.50), engine 20.10.24 (API 1.41)" in o.out


def test_an_engine_without_a_cli_gets_the_cli_from_docker_io(tmp_path: Path) -> None:
    o = run(tmp_path, cli=False, engine=True)
    assert o.code == 0, o.out
    assert installed_docker_io(o)
    assert "no docker CLI" in o.out


def test_both_present_but_stopped_starts_the_engine_without_installing(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=True)
    assert o.code == 0, o.out
    assert o.apt == []
    assert o.dockerd_starts == 1
    assert "in the background" in o.out


def test_an_engine_that_answers_is_used_as_it_is(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=True, running=True)
    assert o.code == 0, o.out
    assert o.apt == [] and o.dockerd_starts == 0
    assert "already answers" in o.out


def test_neither_gets_docker_io(tmp_path: Path) -> None:
    o = run(tmp_path, cli=False, engine=False)
    assert o.code == 0, o.out
    assert installed_docker_io(o)
    assert o.dockerd_starts == 1


@pytest.mark.parametrize(("cli", "engine"), [(True, False), (False, False), (False, True)])
def test_not_root_installs_nothing_and_prints_the_command(
    tmp_path: Path, cli: bool, engine: bool
) -> None:
    o = run(tmp_path, cli=cli, engine=engine, root=False)
    assert o.code == 1
    assert o.apt == [] and o.dockerd_starts == 0
    assert "sudo apt-get install -y docker.io" in o.out


def test_not_root_with_a_stopped_engine_says_starting_needs_root(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=True, root=False)
    assert o.code == 1
    assert o.dockerd_starts == 0
    assert "needs root" in o.out


def test_not_root_with_a_running_engine_is_fine(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=True, running=True, root=False)
    assert o.code == 0, o.out


def test_no_apt_get_says_what_to_install(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=False, apt=False)
    assert o.code == 1
    assert "no apt-get" in o.out


def test_a_pinned_api_newer_than_the_engine_is_refused(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=True, running=True, env={"DOCKER_API_VERSION": "1.50"})
    assert o.code == 1
    assert "DOCKER_API_VERSION=1.50" in o.out and "unset it" in o.out


def test_a_pinned_api_the_engine_speaks_is_accepted(tmp_path: Path) -> None:
    o = run(tmp_path, cli=True, engine=True, running=True, env={"DOCKER_API_VERSION": "1.40"})
    assert o.code == 0, o.out


def test_the_script_is_what_compose_setup_calls() -> None:
    text = (ROOT / "scripts" / "compose-setup").read_text()
    assert "scripts/docker-engine" in text
    assert "command -v docker " not in text  # never decide by the CLI again
    assert os.access(SCRIPT, os.X_OK)

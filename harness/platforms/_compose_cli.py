"""The `docker compose` command line: argv lists, a deadline on every call, typed errors.

Compose does the lifecycle (up with health checks, down with volumes); single containers are
handled through the Docker SDK (_docker.py), which is faster and needs no Compose file.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import tools
from harness.errors import StackError, ToolMissingError

COMPOSE_VERSION = "v2.35.0"
COMPOSE_GO_PACKAGE = f"github.com/docker/compose/v2/cmd@{COMPOSE_VERSION}"
INSTALL_HINT = (
    "run `make compose-setup`, or: go install "
    f"-ldflags '-X github.com/docker/compose/v2/internal.Version={COMPOSE_VERSION}' "
    f"{COMPOSE_GO_PACKAGE} && mkdir -p ~/.docker/cli-plugins && "
    "cp ~/go/bin/cmd ~/.docker/cli-plugins/docker-compose"
)


def check_plugin() -> str:
    """The Compose v2 plugin's version; ToolMissingError naming the install command if none."""
    docker = str(tools.docker_cli())
    try:
        done = subprocess.run(
            [docker, "compose", "version", "--short"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise ToolMissingError(f"`docker compose version` failed: {e}", hint=INSTALL_HINT) from e
    version = done.stdout.strip().removeprefix("v")
    if done.returncode != 0 or not version:
        raise ToolMissingError(
            "the Docker Compose v2 plugin is missing (`docker compose` is not a docker command)",
            hint=INSTALL_HINT,
        )
    if not version.startswith("2."):
        raise ToolMissingError(
            f"Docker Compose {version} found; shopchaos needs Compose v2", hint=INSTALL_HINT
        )
    return version


@dataclass
class ComposeCli:
    project: str
    files: list[Path]
    env: dict[str, str] = field(default_factory=dict)  # interpolation variables (ports)

    def argv(self, *args: str) -> list[str]:
        files = [part for f in self.files for part in ("-f", str(f))]
        return [str(tools.docker_cli()), "compose", "-p", self.project, *files, *args]

    def run(self, *args: str, timeout: float) -> str:
        """Run one command; its stdout. StackError quoting Compose's own words on failure."""
        argv = self.argv(*args)
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                env={**os.environ, **self.env},
                cwd=self.files[0].parent,
            )
        except subprocess.TimeoutExpired as e:
            what = f"`docker compose {args[0]}`"
            raise StackError(f"{what} did not finish within {timeout:g}s") from e
        if done.returncode != 0:
            said = (done.stderr or done.stdout).strip()
            raise StackError(
                f"`docker compose {' '.join(args)}` failed (exit {done.returncode}):\n"
                + "\n".join(said.splitlines()[-25:])
            )
        return done.stdout

    def config(self) -> dict[str, Any]:
        """The resolved Compose model (`config --format json`): services, images, ports."""
        out = json.loads(self.run("config", "--format", "json", timeout=60))
        if not isinstance(out, dict):
            raise StackError("`docker compose config` printed something that is not an object")
        return out

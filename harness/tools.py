"""Find the programs the platforms start, and say exactly how to install a missing one."""

from __future__ import annotations

import os
import platform
import shutil
from pathlib import Path

from harness.errors import ToolMissingError

TOXIPROXY_VERSION = "v2.12.0"
TOXIPROXY_GO_PACKAGE = f"github.com/Shopify/toxiproxy/v2/cmd/server@{TOXIPROXY_VERSION}"


def project_root() -> Path | None:
    """The source checkout this package runs from (editable install), if any."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() else None


def tools_dir() -> Path:
    """Where `make setup` puts project-local tools (Toxiproxy): SHOPCHAOS_TOOLS_DIR or .tools/."""
    env = os.environ.get("SHOPCHAOS_TOOLS_DIR")
    if env:
        return Path(env)
    root = project_root()
    return (root if root else Path.cwd()) / ".tools"


def _install_hint(debian_pkg: str, brew_pkg: str) -> str:
    if platform.system() == "Darwin":
        return f"install it with `brew install {brew_pkg}`"
    if shutil.which("apt-get"):
        prefix = "" if os.geteuid() == 0 else "sudo "
        return f"install it with `{prefix}apt-get install -y {debian_pkg}` (or run `make setup`)"
    return f"install the '{debian_pkg}' package with your system's package manager"


def haproxy() -> Path:
    found = shutil.which("haproxy")
    if found:
        return Path(found)
    raise ToolMissingError(
        "HAProxy is not installed (no `haproxy` on PATH)", hint=_install_hint("haproxy", "haproxy")
    )


def toxiproxy_server() -> Path:
    """The Toxiproxy server binary: SHOPCHAOS_TOXIPROXY, .tools/bin/toxiproxy-server, or PATH."""
    candidates: list[Path] = []
    if env := os.environ.get("SHOPCHAOS_TOXIPROXY"):
        candidates.append(Path(env))
    candidates.append(tools_dir() / "bin" / "toxiproxy-server")
    for name in ("toxiproxy-server", "toxiproxy"):
        if found := shutil.which(name):
            candidates.append(Path(found))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    dest = tools_dir() / "bin"
    raise ToolMissingError(
        "the Toxiproxy server is not installed",
        hint=(
            f"run `make setup`, or: GOBIN={dest} go install {TOXIPROXY_GO_PACKAGE} && "
            f"mv {dest}/server {dest}/toxiproxy-server (needs Go >= 1.22); "
            "or set SHOPCHAOS_TOXIPROXY to an existing toxiproxy-server binary"
        ),
    )


def postgres_bin(name: str) -> Path:
    """initdb / pg_ctl / postgres: on PATH or in Debian's /usr/lib/postgresql/<ver>/bin."""
    if found := shutil.which(name):
        return Path(found)
    versions = sorted(
        Path("/usr/lib/postgresql").glob(f"*/bin/{name}"),
        key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0,
    )
    if versions:
        return versions[-1]
    raise ToolMissingError(
        f"PostgreSQL server program `{name}` not found",
        hint=_install_hint("postgresql", "postgresql@15"),
    )


def docker_cli() -> Path:
    if found := shutil.which("docker"):
        return Path(found)
    raise ToolMissingError(
        "the Docker CLI is not installed",
        hint="run `make compose-setup` (installs Debian's docker.io and the Compose v2 plugin)",
    )

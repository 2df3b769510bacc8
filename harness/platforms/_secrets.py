"""A stack's secrets: the private PostgreSQL's generated password, and env values from the stack
file.

The password is generated at `up` and kept in <state_dir>/secrets.json (0600) and nowhere else
on disk: state files keep database URLs without it; `endpoints().database_url` carries it in
memory (reconciliation, the DR drill); the services that use the database get it as PGPASSWORD
in their environment (libpq and most drivers read it), pg_dump/pg_restore the same way, never
on a command line. Env values from the stack file are kept by name only (REDACTED).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import StackError
from harness.platforms._private_files import write_private
from harness.platforms.base import REDACTED

SECRETS_FILE = "secrets.json"
PASSWORD_ENV = "PGPASSWORD"  # noqa: S105 - the variable's name, not a password


class StackSecrets(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    db_password: str


def create(state_dir: Path) -> StackSecrets:
    """New secrets for a stack being brought up, written 0600 before anything uses them."""
    made = StackSecrets(db_password=secrets.token_urlsafe(24))
    write_private(state_dir / SECRETS_FILE, made.model_dump_json())
    return made


def load(state_dir: Path) -> StackSecrets | None:
    path = state_dir / SECRETS_FILE
    try:
        return StackSecrets.model_validate_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValidationError) as e:
        raise StackError(
            f"the stack's secrets file {path} is unreadable",
            hint="`shopchaos down` and `up` again make a new one",
        ) from e


def remove(state_dir: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        (state_dir / SECRETS_FILE).unlink()


def with_password(url: str, password: str) -> str:
    """postgresql://user@host:port/db -> postgresql://user:PASSWORD@host:port/db (no password:
    the URL as it is)."""
    parts = urlsplit(url)
    if not parts.username or not password:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    netloc = f"{quote(parts.username, safe='')}:{quote(password, safe='')}@{host}"
    return urlunsplit(parts._replace(netloc=netloc))


def without_password(url: str) -> str:
    """The URL as it may be shown or stored."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[-1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}@{host}"))


def redact_env(env: Mapping[str, str]) -> dict[str, str]:
    """Names only: what a state file keeps of a process's environment from the stack file."""
    return dict.fromkeys(env, REDACTED)

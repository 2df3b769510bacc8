"""Back up, destroy and restore a PostgreSQL database with pg_dump / pg_restore (the DR drill).

Connects directly to the server (not through Toxiproxy) with a deadline on every step. The
URL's password (the local platform's generated one) reaches the client tools as PGPASSWORD in
their environment, never on their command line.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

from harness import tools
from harness.errors import FaultError
from harness.platforms._secrets import without_password


class PgAdmin:
    def __init__(self, url: str, *, timeout: float = 60.0) -> None:
        parts = urlsplit(url)
        if parts.scheme != "postgresql" or not parts.hostname or not parts.port:
            raise FaultError(
                f"not a PostgreSQL URL: {without_password(url)}",
                hint="the DR drill needs the stack on PostgreSQL (db: postgres)",
            )
        self.host, self.port = parts.hostname, parts.port
        self.user = parts.username or "postgres"
        self.password = parts.password
        self.db = parts.path.lstrip("/")
        self.timeout = timeout

    def _conn_args(self, db: str) -> list[str]:
        # -w: never prompt for a password (none in the environment fails at once, and says so)
        return ["-h", self.host, "-p", str(self.port), "-U", self.user, "-d", db, "-w"]

    def _run(self, argv: list[str], what: str) -> str:
        """Run a client tool with the password in its environment; its standard output."""
        try:
            done = subprocess.run(
                argv,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
                cwd="/",
                env=self._env(),
            )
        except subprocess.TimeoutExpired as e:
            raise FaultError(f"{what}: no answer within {self.timeout:g}s") from e
        if done.returncode != 0:
            raise FaultError(f"{what} failed: {(done.stderr or done.stdout).strip()[-800:]}")
        return done.stdout

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        if self.password is not None:
            env["PGPASSWORD"] = self.password
        return env

    def _sql(self, statement: str, what: str) -> None:
        psql = str(tools.postgres_bin("psql"))
        self._run(
            [psql, *self._conn_args("postgres"), "-v", "ON_ERROR_STOP=1", "-c", statement], what
        )

    def backup(self, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        pg_dump = str(tools.postgres_bin("pg_dump"))
        self._run([pg_dump, *self._conn_args(self.db), "-Fc", "-f", str(dest)], "pg_dump")

    def exists(self) -> bool:
        psql = str(tools.postgres_bin("psql"))
        query = f"SELECT 1 FROM pg_database WHERE datname = '{self.db}'"
        out = self._run(
            [psql, *self._conn_args("postgres"), "-tAc", query], "checking the database"
        )
        return out.strip() == "1"

    def destroy(self) -> None:
        self._sql(f'DROP DATABASE IF EXISTS "{self.db}" WITH (FORCE)', "dropping the database")

    def restore(self, src: Path) -> None:
        self._sql(f'CREATE DATABASE "{self.db}"', "creating the database")
        pg_restore = str(tools.postgres_bin("pg_restore"))
        self._run(
            [pg_restore, *self._conn_args(self.db), "--no-owner", "--exit-on-error", str(src)],
            "pg_restore",
        )


class PgAdminAbility:
    """SupportsDatabaseAdmin for a platform that can name its PostgreSQL's direct URL (the
    harness's own way in, bypassing Toxiproxy)."""

    def direct_database_url(self) -> str:
        raise NotImplementedError

    def backup_database(self, dest: Path) -> None:
        PgAdmin(self.direct_database_url()).backup(dest)

    def destroy_database(self) -> None:
        PgAdmin(self.direct_database_url()).destroy()

    def restore_database(self, src: Path) -> None:
        PgAdmin(self.direct_database_url()).restore(src)

    def database_exists(self) -> bool:
        return PgAdmin(self.direct_database_url()).exists()

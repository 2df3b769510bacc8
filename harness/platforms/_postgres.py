"""A private PostgreSQL cluster for the local platform: initdb + pg_ctl in a temporary directory.

The server listens on 127.0.0.1 only, on its own port, with its socket inside its directory
(0700). Every connection, TCP or socket, authenticates with scram-sha-256 and the password the
caller generated (never `trust`: any local user could otherwise connect as the superuser and run
commands as the server with `COPY … TO PROGRAM`). initdb refuses to run as root, so as root the
cluster runs as the `postgres` user (Debian's package creates it) or `nobody`, with that user's
own groups (not root's).
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from harness import tools
from harness.errors import StackError


@dataclass(frozen=True)
class Cluster:
    root: Path  # temporary directory holding data/ and the log
    port: int
    user: str | None  # OS user the server runs as (None: the current user)
    pid: int
    create_time: float

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise StackError(
        "running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL",
        hint="create one (`useradd --system postgres`) or run shopchaos as a normal user",
    )


def _identity(user: str | None) -> tuple[int | None, int | None, list[int] | None]:
    """(uid, gid, groups) that run a process as `user` with its own groups: subprocess's
    `user=` alone keeps the caller's (root's gid 0 and supplementary groups)."""
    if user is None:
        return None, None, None
    pw = pwd.getpwnam(user)
    return pw.pw_uid, pw.pw_gid, os.getgrouplist(user, pw.pw_gid)


def _run(argv: list[str], user: str | None, env: dict[str, str], timeout: float) -> None:
    uid, gid, groups = _identity(user)
    try:
        done = subprocess.run(
            argv,
            user=uid,
            group=gid,
            extra_groups=groups,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            cwd="/",
        )
    except subprocess.TimeoutExpired as e:
        raise StackError(f"`{' '.join(argv[:2])}` did not finish in {timeout:g}s") from e
    if done.returncode != 0:
        raise StackError(
            f"`{Path(argv[0]).name}` failed (exit {done.returncode}):\n"
            f"{(done.stderr or done.stdout).strip()[-2000:]}"
        )


def start(port: int, db_user: str, db_name: str, env: dict[str, str], password: str) -> Cluster:
    """initdb (scram-sha-256, `password` for `db_user`), start the server with pg_ctl, create the
    database. Cleans up on failure."""
    initdb, pg_ctl = tools.postgres_bin("initdb"), tools.postgres_bin("pg_ctl")
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="shopchaos-pg-"))
    try:
        if user:
            pw = pwd.getpwnam(user)
            os.chown(root, pw.pw_uid, pw.pw_gid)
        root.chmod(0o700)
        data = root / "data"
        pwfile = _password_file(root, password, user)
        try:
            _run(
                [
                    str(initdb),
                    "-D",
                    str(data),
                    "-U",
                    db_user,
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "-E",
                    "UTF8",
                    "--no-sync",
                ],
                user,
                env,
                120,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        opts = (
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 "
            "-c max_connections=200 -c shared_buffers=64MB"
        )
        _run(
            [
                str(pg_ctl),
                "-D",
                str(data),
                "-l",
                str(root / "postgres.log"),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ],
            user,
            env,
            90,
        )
        pid = _postmaster_pid(data)
        create_time = psutil.Process(pid).create_time()
        _create_database(port, db_user, db_name, password)
        return Cluster(root, port, user, pid, create_time)
    except BaseException:
        remove(root)
        raise


def _password_file(root: Path, password: str, user: str | None) -> Path:
    """initdb's --pwfile: 0600, readable by the server's user only, deleted after initdb."""
    path = root / "pwfile"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(password + "\n")
    if user:
        pw = pwd.getpwnam(user)
        os.chown(path, pw.pw_uid, pw.pw_gid)
    return path


def _postmaster_pid(data: Path) -> int:
    deadline = time.monotonic() + 10
    while True:
        try:
            return int((data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise StackError(f"PostgreSQL started but wrote no {data}/postmaster.pid") from None
            time.sleep(0.05)


def _create_database(port: int, db_user: str, db_name: str, password: str) -> None:
    import psycopg

    try:
        with psycopg.connect(
            host="127.0.0.1",
            port=port,
            user=db_user,
            password=password,
            dbname="postgres",
            connect_timeout=5,
            autocommit=True,
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (db_name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{db_name}"')
    except psycopg.Error as e:
        raise StackError(f"could not create database {db_name} on port {port}: {e}") from e


def remove(root: Path) -> None:
    """Delete the cluster's directory (the server must be stopped)."""
    shutil.rmtree(root, ignore_errors=True)

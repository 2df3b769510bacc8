"""`shopchaos up | down | status | recover`: the stack's lifecycle."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from harness.commands._common import (
    EntryPortOpt,
    PlatformOpt,
    StackOpt,
    StateDirOpt,
    ToxiproxyPortOpt,
    console,
    holding,
    platform_from,
    platforms_found,
    progress_printer,
)
from harness.commands._status_json import status_document
from harness.commands.scenario_cmds import check_live_mapping
from harness.platforms import _lock
from harness.platforms.base import StackOptions, StackStatus
from harness.recover import recover


def register(app: typer.Typer) -> None:
    app.command("up")(up)
    app.command("down")(down)
    app.command("status")(status)
    app.command("recover")(recover_cmd)


def up(
    platform: PlatformOpt = "local",
    stack: StackOpt = None,
    state_dir: StateDirOpt = None,
    replicas: Annotated[
        int | None,
        typer.Option("--replicas", "-n", min=1, max=20, help="Replicas behind the load balancer."),
    ] = None,
    db: Annotated[
        str | None,
        typer.Option("--db", help="Database: 'sqlite' (embedded default) or 'postgres'."),
    ] = None,
    profile: Annotated[
        str,
        typer.Option(
            "--profile",
            help="A named profile of the stack description (e.g. unsafe, no-retries).",
        ),
    ] = "default",
    lb_profile: Annotated[
        str | None,
        typer.Option(
            "--lb-profile", help="HAProxy failover profile: defaults, fast-checks, recommended."
        ),
    ] = None,
    entry_port: EntryPortOpt = 8080,
    toxiproxy_port: ToxiproxyPortOpt = 8474,
    restart: Annotated[
        bool,
        typer.Option(
            "--restart",
            help="If the stack is already up from another stack file content or with other "
            "options, restart it as asked (without: refuse and say what differs).",
        ),
    ] = False,
) -> None:
    """Bring the stack up and wait until every replica is ready and UP in the load balancer.

    The stack keeps running after this command returns; `shopchaos down` stops it. Running `up`
    again adopts the running stack if it was started from the same stack file content with the
    same options; otherwise it says what changed (use --restart).
    """
    if db not in (None, "sqlite", "postgres"):
        raise typer.BadParameter("choose 'sqlite' or 'postgres'", param_hint="--db")
    if lb_profile not in (None, "defaults", "fast-checks", "recommended"):
        raise typer.BadParameter(
            "choose 'defaults', 'fast-checks' or 'recommended'", param_hint="--lb-profile"
        )
    plat = platform_from(platform, stack, state_dir, entry_port, toxiproxy_port)
    options = StackOptions.model_validate(
        {"replicas": replicas, "db": db, "profile": profile, "lb_profile": lb_profile}
    )
    started = time.monotonic()
    with holding(plat, "up"):
        endpoints = plat.up(options, progress_printer(), restart=restart)
        console.print(
            f"[green]ready[/] in {time.monotonic() - started:.1f}s: "
            f"shop at [bold]{endpoints.entry_url}[/], Toxiproxy API at {endpoints.toxiproxy_url}"
        )
        _print_status(plat.status())
        check_live_mapping(plat, plat.spec_path or Path("stack.yaml"))  # type: ignore[attr-defined]


def down(
    platform: PlatformOpt = "local",
    stack: StackOpt = None,
    state_dir: StateDirOpt = None,
) -> None:
    """Stop every process (or container) of the stack, also after a crash. Logs are kept.

    Without --stack: every stack under the state dir (any name)."""
    progress = progress_printer()
    for plat in platforms_found(platform, stack, state_dir, unfinished=True, progress=progress):
        with holding(plat, "down"):
            stopped = plat.down(progress)
        done = f"stopped {len(stopped)}" if stopped else "nothing ran"
        console.print(f"[green]down[/] {plat.spec.name}: {done}")


def status(
    platform: PlatformOpt = "local",
    stack: StackOpt = None,
    state_dir: StateDirOpt = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON document: every address (entry, Toxiproxy API, each proxy's "
            "listen/upstream, HAProxy runtime, database) and each instance's process tree.",
        ),
    ] = False,
) -> None:
    """Show each instance: process, address, health, and the load balancer's own view.

    Without --stack: every stack that is up under the state dir. Works while a run holds it.
    --json: one document per stack (a list when several are up)."""
    found = platforms_found(platform, stack, state_dir)
    if as_json:
        docs = []
        for plat in found:
            doc = status_document(plat.status())
            holder = _lock.holder(plat.state_dir)
            doc["in_use_by"] = holder.describe() if holder is not None else None
            docs.append(doc)
        out = docs[0] if len(docs) == 1 else docs
        sys.stdout.write(json.dumps(out, indent=2) + "\n")
        return
    for plat in found:
        _print_status(plat.status())
        holder = _lock.holder(plat.state_dir)
        if holder is not None:
            console.print(f"in use by {holder.describe()}")


def recover_cmd(
    platform: PlatformOpt = "local",
    stack: StackOpt = None,
    state_dir: StateDirOpt = None,
) -> None:
    """Repair a stack left degraded by a harness that was killed: remove every toxic, re-enable
    every proxy, resume paused instances, start dead ones. Reports what it fixed.

    Without --stack: every stack that is up under the state dir."""
    for plat in platforms_found(platform, stack, state_dir):
        with holding(plat, "recover"):
            fixed = recover(plat, progress_printer())
        console.print(f"[green]recovered[/]: fixed {len(fixed)}" if fixed else "nothing to fix")


def _print_status(st: StackStatus) -> None:
    o = st.options
    table = Table(
        title=f"{st.stack} on {st.platform} (replicas {o.replicas}, db {o.db}, profile "
        f"{o.profile}, LB {o.lb_profile})",
        title_justify="left",
    )
    for col in ("service", "instance", "pid/container", "address", "process", "health", "LB state"):
        table.add_column(col)
    for i in st.instances:
        table.add_row(
            i.ref.service,
            i.ref.name,
            i.ident,
            i.ref.address,
            _colour(i.process, "running"),
            _colour(i.health, "ready"),
            _colour(i.lb_state, "UP") if i.lb_state else "-",
        )
    console.print(table)
    parts = [f"{name}: {_colour(state, 'running')}" for name, state in st.components.items()]
    console.print("  ".join(parts))
    e = st.endpoints
    console.print(
        f"Toxiproxy API {e.toxiproxy_url}; HAProxy runtime {e.lb_runtime}; database "
        f"{e.database_url}  (status --json: every address, proxies, process trees)"
    )
    verdict = "[green]healthy[/]" if st.healthy else "[yellow]degraded[/]"
    console.print(f"entry {st.endpoints.entry_url}: {verdict}")


def _colour(value: str, good: str) -> str:
    return f"[green]{value}[/]" if value == good else f"[yellow]{value}[/]"

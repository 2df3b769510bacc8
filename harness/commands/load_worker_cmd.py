"""`shopchaos load-worker`: add this machine's cores to a run's load (docs/scaling.md)."""

from __future__ import annotations

from typing import Annotated

import typer

from harness.commands._common import progress_printer
from harness.load.remote import serve


def register(app: typer.Typer) -> None:
    app.command("load-worker")(load_worker)


def load_worker(
    master: Annotated[
        str,
        typer.Option("--master", help="HOST:PORT of the run's load master (`run --load-master`)."),
    ],
    bind: Annotated[
        str | None,
        typer.Option(
            "--bind", help="Connect to the master from this local address (e.g. 127.0.0.2)."
        ),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Serve one trial, then exit.")] = False,
    wait: Annotated[
        float,
        typer.Option("--wait", min=1, help="Seconds to wait for a master before giving up."),
    ] = 300.0,
    max_seconds: Annotated[
        float,
        typer.Option("--max-seconds", min=1, help="Stop after this long, whatever happens."),
    ] = 3600.0,
) -> None:
    """Join a run's load as a Locust worker, then the next trial's, until no master comes.

    The master sends the user classes and the target; this machine needs shopchaos (and the
    stack's user classes) installed. Load still goes only to 127.0.0.0/8: forward the stack's
    entry port to this machine's loopback (e.g. ssh -L 8080:127.0.0.1:8080 HARNESS-HOST).

    Example:  shopchaos load-worker --master 192.168.1.10:5557
    """
    served = serve(
        master,
        bind=bind,
        once=once,
        wait=wait,
        max_seconds=max_seconds,
        say=progress_printer("load-worker: "),
    )
    progress_printer("load-worker: ")(f"done: served {served} trial(s)")

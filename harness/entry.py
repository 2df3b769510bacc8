"""The `shopchaos` command's first instant: SIGINT, SIGTERM and SIGHUP are handled before the
(heavy) command line is even imported, so a signal at any moment unwinds like Ctrl-C and never
kills the harness halfway through something (harness/signals.py)."""

from __future__ import annotations

import sys

from harness.errors import Interrupted
from harness.signals import signals_raise

INTERRUPTED = 130  # harness/exit_codes.py, not imported yet on purpose


def main(argv: list[str] | None = None) -> int:
    try:
        with signals_raise():
            from harness import cli

            return cli.main(argv)
    except (KeyboardInterrupt, Interrupted):
        sys.stderr.write("interrupted before the command started: nothing was changed\n")
        return INTERRUPTED

"""A dependency for the ground-truth stacks: answers 200 to everything, at once.

Its own misbehaviour is never the point: faults reach it through Toxiproxy.
"""

from __future__ import annotations

from tests.stacks._server import Answer, context, serve


def answer(path: str) -> Answer:
    return 200, ""


def main() -> None:
    serve(context(__doc__ or ""), answer, role="upstream")


if __name__ == "__main__":
    main()

"""Wait until something is ready, with tenacity and a deadline; fail fast if its process died.
And probe an instance's health endpoint once, for `status`."""

from __future__ import annotations

from collections.abc import Callable

from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from harness.errors import HarnessError, StackError


class _NotYet(Exception):
    pass


def wait_for(
    what: str,
    check: Callable[[], object],
    *,
    timeout: float,
    alive: Callable[[], None] | None = None,
    interval: float = 0.05,
) -> None:
    """Poll `check` until it returns something truthy.

    `check` raising HarnessError counts as "not yet"; `alive` raising (the process died) stops
    the wait at once with that error. After `timeout` seconds: StackError naming `what`.
    """
    last: list[str] = []

    def attempt() -> None:
        if alive is not None:
            alive()
        try:
            ok = check()
        except HarnessError as e:
            last[:] = [e.message]
            raise _NotYet from e
        if not ok:
            raise _NotYet

    try:
        for try_ in Retrying(
            stop=stop_after_delay(timeout),
            wait=wait_fixed(interval),
            retry=retry_if_exception_type(_NotYet),
            reraise=False,
        ):
            with try_:
                attempt()
    except RetryError as e:
        detail = f" (last error: {last[0]})" if last else ""
        raise StackError(f"timed out after {timeout:g}s waiting for {what}{detail}") from e

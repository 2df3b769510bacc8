"""Wait until HAProxy has every backend server UP with a passed check; when it never does, say
why in HAProxy's own words: each server's last check (status, code, text) and the lines of
haproxy.log that took it down (e.g. `Layer7 wrong status, code: 400`)."""

from __future__ import annotations

from collections.abc import Callable

from harness.errors import HarnessError, StackError
from harness.lb.haproxy_runtime import HAProxyRuntime, ServerState
from harness.platforms._readiness import wait_for

REASON_WORDS = ("is DOWN", "Health check", "reason:", "backend has no server", "Server ")


def wait_all_up(
    runtime: HAProxyRuntime,
    backend: str,
    *,
    log: Callable[[], str],
    alive: Callable[[], None] | None = None,
    timeout: float = 20.0,
) -> None:
    seen: list[ServerState] = []

    def all_up() -> bool:
        seen[:] = runtime.servers(backend)
        return bool(seen) and all(s.checked_up for s in seen)

    try:
        wait_for("HAProxy to mark every backend server UP", all_up, timeout=timeout, alive=alive)
    except StackError as e:
        if alive is not None:
            alive()  # HAProxy died: that error (with its log) says more
        raise StackError(e.message + _reason(seen, log), hint=_hint(seen)) from e


def _reason(seen: list[ServerState], log: Callable[[], str]) -> str:
    parts = []
    down = [s for s in seen if not s.checked_up]
    if down:
        parts.append("HAProxy's last checks: " + "; ".join(s.check_reason() for s in down))
    try:
        text = log()
    except (OSError, HarnessError):
        text = ""
    lines = [ln for ln in text.splitlines() if any(w in ln for w in REASON_WORDS)]
    if lines:
        parts.append("haproxy.log:\n" + "\n".join(lines[-6:]))
    return "".join(f"\n{p}" for p in parts)


def _hint(seen: list[ServerState]) -> str:
    codes = {s.check_code for s in seen if s.check_code}
    if "400" in codes:
        return (
            "the app answers HAProxy's health check with 400: an allowed-hosts check wants a "
            "Host header; set services.<backend>.health.http.host in the stack file"
        )
    if codes:
        return (
            f"HAProxy's check got HTTP {', '.join(sorted(codes))}: set health.http.path/status "
            "to what the app answers when ready"
        )
    return "check that the backend listens where the stack file says, and its health check"

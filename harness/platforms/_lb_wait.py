"""Wait until HAProxy has every backend server UP with a passed check; when it never does, say
why in HAProxy's own words: each server's last check (status, code, text) and the lines of
haproxy.log that took it down (e.g. `Layer7 wrong status, code: 400`)."""

from __future__ import annotations

import dataclasses
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
        before = {s.server: s for s in seen}
        seen[:] = [_with_known_code(s, before.get(s.server)) for s in runtime.servers(backend)]
        return bool(seen) and all(s.checked_up for s in seen)

    try:
        wait_for("HAProxy to mark every backend server UP", all_up, timeout=timeout, alive=alive)
    except StackError as e:
        if alive is not None:
            alive()  # HAProxy died: that error (with its log) says more
        raise StackError(e.message + _reason(seen, log), hint=_hint(seen)) from e


def _with_known_code(now: ServerState, before: ServerState | None) -> ServerState:
    """`now`, with the code and words of the check before when this poll caught a check in
    progress: HAProxy then shows `* L7STS` with code 0, and the reason would read 'HTTP 0'
    instead of the 400 that took the server down (a CI run, 2026-12-01)."""
    if now.check_code not in ("", "0") or before is None or before.check_code in ("", "0"):
        return now
    return dataclasses.replace(
        now, check_code=before.check_code, last_check=now.last_check or before.last_check
    )


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
    codes = {s.check_code for s in seen if s.check_code not in ("", "0")}
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

"""The wait for HAProxy's backend servers, and its reason when they never come UP."""

from __future__ import annotations

from typing import Any, cast

import pytest

from harness.errors import StackError
from harness.lb.haproxy_runtime import HAProxyRuntime, ServerState
from harness.platforms._lb_wait import wait_all_up


def state(check: str, code: str, said: str = "") -> ServerState:
    return ServerState("web", "web-1", "DOWN", "DOWN", check, 3, 0, code, said)


class Polls:
    """HAProxy's answers, one a poll, the last one again and again."""

    def __init__(self, *answers: ServerState) -> None:
        self.answers = list(answers)

    def servers(self, backend: str) -> list[ServerState]:
        return [self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]]


def test_a_poll_that_catches_a_check_in_progress_keeps_the_code_seen_before() -> None:
    """HAProxy shows `* L7STS` with code 0 while a check runs: the reason still says 400."""
    runtime = cast(Any, Polls(state("L7STS", "400", "Bad Request"), state("* L7STS", "0")))
    with pytest.raises(StackError) as exc:
        wait_all_up(cast(HAProxyRuntime, runtime), "web", log=lambda: "", timeout=0.3)
    assert "web-1: DOWN, last check * L7STS 400 (Bad Request)" in exc.value.message
    assert "health.http.host" in (exc.value.hint or "")


def test_a_code_of_0_alone_is_no_code() -> None:
    runtime = cast(Any, Polls(state("* L4CON", "0")))
    with pytest.raises(StackError) as exc:
        wait_all_up(cast(HAProxyRuntime, runtime), "web", log=lambda: "", timeout=0.2)
    assert "HTTP 0" not in (exc.value.hint or "")
    assert "check that the backend listens" in (exc.value.hint or "")

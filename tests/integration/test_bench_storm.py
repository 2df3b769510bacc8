"""bench/storm.py against real load processes and a real HAProxy: a load process whose every
request fails holds about what one whose every request succeeds holds.

Before the listener kept a failed request's text instead of its exception, the failing run's
load process grew to 187-197 MB in 20 s against 52 MB (2026-12-01): each kept exception held
its traceback, the request's frames and its 12 KB response past the next young collection."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.storm import error_storm

pytestmark = pytest.mark.integration

MARGIN_MB = 50  # what a failing run may hold beyond a passing one (it held ~+135 MB before)


def test_an_error_storm_costs_the_load_process_no_more_memory_than_a_calm(
    tmp_path: Path,
) -> None:
    got = error_storm(tmp_path, seconds=6.0)
    ok, failing = got["ok"], got["failing"]
    assert ok["failed_share"] == 0 and ok["rps"] > 500
    assert failing["failed_share"] == 1 and failing["rps"] > 500
    assert failing["errors"] and all("code=503" in e for e in failing["errors"])
    assert not any(e.startswith("str: ") for e in failing["errors"])  # the text, made once
    assert failing["rss_max_mb"] < ok["rss_max_mb"] + MARGIN_MB, got

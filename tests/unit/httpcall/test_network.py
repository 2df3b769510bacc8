"""The harness's own requests never take a proxy from the environment."""

from __future__ import annotations

from harness.httpcall.network import PROXY_VARIABLES, local_session, without_proxies


def test_a_local_session_ignores_the_environment() -> None:
    with local_session() as session:
        assert session.trust_env is False


def test_the_load_processes_get_no_proxy_variables() -> None:
    env = {"PATH": "/bin", "HTTP_PROXY": "http://proxy:3128", "https_proxy": "x", "NO_PROXY": "y"}
    assert without_proxies(env) == {"PATH": "/bin"}
    assert {"http_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"} <= PROXY_VARIABLES

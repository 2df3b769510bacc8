"""Both senders against a small real HTTP server on loopback: what they send (query, body,
headers), what they make of the answer (text by its charset, JSON, the judgement), and what
they refuse to do (follow a redirect, use a proxy from the environment)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.httpcall.network import local_session
from harness.httpcall.send import Answer, PooledClient, send
from harness.httpcall.spec import RequestSpec
from harness.platforms._ports import free_port

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


class Echo(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a shop's server
    timeout = 0.3  # and it closes a connection idle for longer than that

    def log_message(self, *args: object) -> None: ...

    def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/moved":
            self._send(302, b"", "text/plain", Location="http://127.0.0.1:9/elsewhere")
        elif self.path == "/latin":
            self._send(200, "café".encode("latin-1"), "text/plain; charset=ISO-8859-1")
        else:
            self.do_POST()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        seen = {
            "path": self.path,
            "body": self.rfile.read(length).decode(),
            "type": self.headers.get("Content-Type"),
            "key": self.headers.get("Idempotency-Key"),
            "host": self.headers.get_all("Host"),
            "port": self.client_address[1],
        }
        self._send(200, json.dumps(seen).encode(), "application/json")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def both(spec: RequestSpec, url: str) -> list[Answer]:
    with local_session() as session, PooledClient(url) as client:
        return [send(session, spec, url), client.send(spec, url)]


def test_query_body_and_headers_reach_the_server(url: str) -> None:
    spec = RequestSpec.model_validate(
        {"method": "POST", "path": "/checkout", "params": {"q": "a b"},
         "headers": {"Idempotency-Key": "k-1"}, "json": {"cart": 3},
         "expect": [{"jsonpath": "$.key", "exact": "k-1"}]}
    )  # fmt: skip
    for a in both(spec, f"{url}/checkout?x=1"):
        assert a.ok, a.failure
        assert a.json["path"] == "/checkout?x=1&q=a+b"
        assert json.loads(a.json["body"]) == {"cart": 3}
        assert a.json["type"] == "application/json"
        assert a.headers["Content-Type"] == "application/json"


def test_a_host_header_from_the_scenario_replaces_the_default(url: str) -> None:
    spec = RequestSpec.model_validate({"path": "/h", "headers": {"Host": "shop.test"}})
    for a in both(spec, f"{url}/h"):
        assert a.json["host"] == ["shop.test"]


def test_a_text_body_is_sent_as_it_is(url: str) -> None:
    spec = RequestSpec.model_validate({"method": "POST", "path": "/x", "data": "plain words"})
    for a in both(spec, f"{url}/x"):
        assert a.json["body"] == "plain words"


def test_text_is_decoded_by_its_charset(url: str) -> None:
    spec = RequestSpec.model_validate({"path": "/latin", "expect": [{"regex": "^café$"}]})
    for a in both(spec, f"{url}/latin"):
        assert a.ok, a.failure
        assert a.text == "café" and a.json is None


def test_a_redirect_is_an_answer_not_followed(url: str) -> None:
    spec = RequestSpec.model_validate({"path": "/moved"})
    for a in both(spec, f"{url}/moved"):
        assert a.status == 302 and a.failure == "status 302, expected 2xx"


def test_the_pooled_client_keeps_its_connection(url: str) -> None:
    spec = RequestSpec.model_validate({"path": "/a"})
    with PooledClient(url) as client:
        ports = {client.send(spec, f"{url}/a").json["port"] for _ in range(5)}
    assert len(ports) == 1


def test_a_connection_the_server_closed_while_idle_is_replaced_not_a_failure(url: str) -> None:
    spec = RequestSpec.model_validate({"path": "/a"})
    with PooledClient(url) as client:
        first = client.send(spec, f"{url}/a")
        time.sleep(0.8)  # the server has closed the kept connection by now
        second = client.send(spec, f"{url}/a")
    assert first.ok and second.ok, second.failure
    assert first.json["port"] != second.json["port"]


def test_no_answer_is_status_0_with_the_reason_and_no_proxy_is_used(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead)
    spec = RequestSpec.model_validate({"path": "/a", "timeout": 2})
    with PooledClient(url) as client:
        assert client.send(spec, f"{url}/a").ok  # straight to the server, not the proxy
    with PooledClient(dead) as client:
        a = client.send(spec, f"{dead}/a")
    assert a.status == 0 and not a.ok
    assert a.failure is not None and a.failure.startswith("ConnectionRefusedError: ")
    assert "Connection refused" in a.failure

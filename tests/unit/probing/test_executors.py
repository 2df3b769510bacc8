"""Probe executors against a small real HTTP server on loopback (our own logic: the journey's
value passing, its ledger entries, the checks), and the probe-set's network rule."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from harness.errors import InputError
from harness.platforms.base import Endpoints
from harness.probing.executors import HttpExecutor, JourneyExecutor, PythonExecutor
from harness.probing.runner import build_executors
from harness.probing.spec import HttpProbe, JourneyProbe, PythonProbe

# the stdlib test server's handler threads close their sockets after the module's teardown
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


class Shop(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None: ...

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._json(200, {"products": [{"id": 1}]})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        if self.path == "/carts":
            self._json(201, {"cart_id": "c-9"})
        elif self.path == "/carts/c-9/items":
            self._json(200, {"ok": True})
        elif self.path == "/checkout" and body == {"cart_id": "c-9"}:
            key = self.headers.get("Idempotency-Key")
            self._json(201, {"order_id": f"o-{key}", "status": "confirmed"})
        else:
            self._json(400, {"detail": f"unexpected {self.path} {body}"})


@pytest.fixture(scope="module")
def endpoints() -> Iterator[Endpoints]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    yield Endpoints(
        url, "http://127.0.0.1:9", "unix:/x", "shop", (), {}, "sqlite://", {"shop": url}
    )
    server.shutdown()


JOURNEY = {
    "id": "checkout",
    "type": "journey",
    "steps": [
        {"id": "cart", "method": "POST", "path": "/carts", "status": 201},
        {"id": "add", "method": "POST", "path": "/carts/{{ steps.cart.json.cart_id }}/items",
         "json": {"product_id": 1}},
        {"id": "pay", "method": "POST", "path": "/checkout", "status": [200, 201],
         "headers": {"Idempotency-Key": "k-{{ sample.n }}"},
         "json": {"cart_id": "{{ steps.cart.json.cart_id }}"},
         "ledger": {"key": "k-{{ sample.n }}"},
         "expect": [{"jsonpath": "$.status", "exact": "confirmed"}]},
    ],
}  # fmt: skip


def test_a_journey_carries_values_and_records_its_checkout(endpoints: Endpoints) -> None:
    ex = JourneyExecutor(JourneyProbe.model_validate(JOURNEY), endpoints)
    result, ledger = ex.run(4)
    assert result.ok, result.error
    assert [(e.event, e.key, e.order_id, e.user) for e in ledger] == [
        ("attempt", "k-4", None, -1),
        ("ack", "k-4", "o-k-4", -1),
    ]


def test_a_failing_step_names_itself(endpoints: Endpoints) -> None:
    spec = dict(JOURNEY)
    spec["steps"] = [*JOURNEY["steps"][:2], {**JOURNEY["steps"][2], "json": {"cart_id": "x"}}]
    result, ledger = JourneyExecutor(JourneyProbe.model_validate(spec), endpoints).run(0)
    assert not result.ok and result.value == "pay"
    assert result.error == "pay: status 400, expected [200, 201]"
    assert ledger[-1].event == "fail"


def test_http_checks_status_latency_and_json(endpoints: Endpoints) -> None:
    ok = HttpProbe.model_validate(
        {
            "id": "p",
            "type": "http",
            "path": "/products",
            "expect": [{"jsonpath": "$.products[0].id", "exact": 1}],
        }
    )
    good, bad = (
        HttpExecutor(ok, endpoints),
        HttpExecutor(ok.model_copy(update={"status": 204}), endpoints),
    )
    assert good.run(0)[0].ok
    assert bad.run(0)[0].error == "status 200, expected 204"
    good.close()
    bad.close()


def test_python_probe_value_against_its_tolerance(endpoints: Endpoints) -> None:
    spec = PythonProbe.model_validate(
        {"id": "py", "type": "python", "function": "os.path:join",
         "arguments": {"a": "x", "p": "y"}, "tolerance": {"regex": "^x/y$"}}
    )  # fmt: skip
    with pytest.raises(Exception, match="arguments"):
        PythonExecutor(spec, {}, {}, {})  # os.path.join takes positional names a, *p
    spec = spec.model_copy(update={"function": "posixpath:basename", "arguments": {"p": "/a/b"}})
    result, _ = PythonExecutor(spec, {}, {}, {}).run(0)
    assert not result.ok and result.value == '"b"' and "does not match" in (result.error or "")


def test_probes_reach_only_the_stacks_addresses(endpoints: Endpoints) -> None:
    elsewhere = HttpProbe.model_validate(
        {"id": "x", "type": "http", "url": "http://127.0.0.1:9999/"}
    )
    missing = HttpProbe.model_validate({"id": "y", "type": "http", "service": "nope", "path": "/"})
    with pytest.raises(InputError) as e:
        build_executors([elsewhere, missing], endpoints, {}, {})
    text = str(e.value)
    assert "probes[0]" in text and "not an address of this stack" in text
    assert "probes[1]" in text and "no service 'nope'" in text

"""The fault proxy's cost and speed: latency Toxiproxy adds with no toxic, and how soon a new
toxic affects requests after the API call returns."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import requests

from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.platforms.local import LocalPlatform


def _p50(session: requests.Session, url: str, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        session.get(url, timeout=5)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def proxy(platform: LocalPlatform, *, rounds: int = 5, n: int = 300) -> dict[str, Any]:
    e = platform.endpoints()
    state = platform.store.load()
    assert state is not None
    direct = e.service_urls["payment"] + "/healthz"
    proxied = f"http://127.0.0.1:{state.proxy_ports['payment']}/healthz"
    added = []
    with requests.Session() as a, requests.Session() as b:
        for _ in range(rounds):
            added.append((_p50(b, proxied, n) - _p50(a, direct, n)) * 1000)
    return {
        "p50_added_ms": statistics.median(added),
        "rounds": rounds,
        "n": n,
        **_toxic_lag(ToxiproxyClient(e.toxiproxy_url), proxied),
    }


def _toxic_lag(client: ToxiproxyClient, url: str, latency: float = 0.2) -> dict[str, Any]:
    samples: list[tuple[float, float]] = []
    stop = threading.Event()

    def loop() -> None:
        with requests.Session() as s:
            while not stop.is_set():
                t = time.time()
                s.get(url, timeout=5)
                samples.append((t, time.time() - t))

    worker = threading.Thread(target=loop, daemon=True)
    worker.start()
    time.sleep(0.5)
    client.add_toxic(
        "payment", name="bench-lag", type="latency", attributes={"latency": int(latency * 1000)}
    )
    returned = time.time()
    time.sleep(1.0)
    removing = time.time()
    client.remove_toxic("payment", "bench-lag")
    stop.set()
    worker.join(5)
    # requests sent after the add returned and answered before the removal began
    after = [(t, d) for t, d in samples if t >= returned and t + d <= removing]
    unaffected = [d for _, d in after if d < latency * 0.9]
    first = next((t for t, d in samples if d >= latency * 0.9), None)
    return {
        "requests_after_api_return": len(after),
        "unaffected_after_api_return": len(unaffected),
        "first_affected_start_minus_api_return_ms": None
        if first is None
        else (first - returned) * 1000,
    }

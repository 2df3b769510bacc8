"""What the harness's own work costs, call by call, and how steady this machine's CPU is: the
figures behind the overhead goal that a throughput ratio cannot resolve here.

- **CPU noise**: a spinning loop on each core, counted every 0.25 s for `seconds`: its floor
  (the 10 % quantile), its peak, and how far the two cores' counts move together.
- **probe calls**: the CPU (of the calling thread) of one health-probe request sent every 50 ms,
  as the probe sends, through a `requests` session, urllib3's pool and `PooledClient`, side by
  side in rounds; and of one LB poll every 25 ms and back to back, on the LB probe's kept
  connection and on a connection of its own, side by side. Against bench/target.py's HAProxy.
- **record stream**: per record, what the load process spends to write it (the request
  listener's row, then its share of the flush's batch) and the harness's reader thread to decode
  it, against a line a request as before (wall time of tight loops).
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import statistics
import time
import timeit
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import urllib3

from bench._common import cpu_seconds, spread
from bench.target import Target, haproxy_ok
from harness.httpcall.network import local_session
from harness.httpcall.send import PooledClient, send
from harness.httpcall.spec import RequestSpec
from harness.lb.haproxy_runtime import HAProxyRuntime, RuntimeSession
from harness.load import batch, wire

SLICE = 0.25


def costs(work: Path, *, noise_seconds: float = 12.0, rounds: int = 4) -> dict[str, Any]:
    return {
        "cpu_noise": cpu_noise(noise_seconds),
        **probe_calls(work, rounds=rounds),
        **record_stream(),
    }


def _spin(core: int, seconds: float, out: Any) -> None:
    os.sched_setaffinity(0, {core})
    counts: list[int] = []
    n, end, due = 0, time.monotonic() + seconds, time.monotonic() + SLICE
    while (now := time.monotonic()) < end:
        for _ in range(2000):
            n += 1
        if now >= due:
            counts.append(n)
            n, due = 0, due + SLICE
    out.put((core, counts))


def cpu_noise(seconds: float) -> dict[str, Any]:
    cores = sorted(os.sched_getaffinity(0))[:2]
    queue: Any = multiprocessing.get_context("fork").Queue()
    procs = [
        multiprocessing.get_context("fork").Process(target=_spin, args=(c, seconds, queue))
        for c in cores
    ]
    for p in procs:
        p.start()
    got = dict(queue.get(timeout=seconds + 30) for _ in procs)
    for p in procs:
        p.join(10)
    per_core = []
    for c in cores:
        v = got[c]
        floor = statistics.quantiles(v, n=10, method="inclusive")[0]
        per_core.append({"floor": floor, "peak_over_floor": max(v) / floor, "slices": len(v)})
    out: dict[str, Any] = {"slice_seconds": SLICE, "cores": per_core}
    if len(cores) == 2:
        n = min(len(got[cores[0]]), len(got[cores[1]]))
        out["correlation"] = statistics.correlation(got[cores[0]][:n], got[cores[1]][:n])
    return out


def _paced(
    fn: Callable[[], object],
    every: float,
    calls: int,
    clock: Callable[[], float] = time.thread_time,
) -> float:
    """Mean CPU microseconds of `fn` called once every `every` seconds (caches cold, as a
    probe's thread finds them)."""
    total = 0.0
    for _ in range(calls):
        time.sleep(every)
        c = clock()
        fn()
        total += clock() - c
    return total / calls * 1e6


def _hot(fn: Callable[[], object], calls: int) -> float:
    """Mean CPU microseconds (this process) of `fn` called back to back."""
    c = time.process_time()
    for _ in range(calls):
        fn()
    return (time.process_time() - c) / calls * 1e6


def probe_calls(work: Path, *, rounds: int) -> dict[str, Any]:
    with haproxy_ok(work / "target") as target:
        url = target.url + "/healthz"
        spec = RequestSpec(path="/healthz", timeout=1.0, status="<500")
        session, client = local_session(), PooledClient(url)
        pool = urllib3.connection_from_url(url, maxsize=1, retries=False)
        senders: dict[str, Callable[[], object]] = {
            "requests": lambda: send(session, spec, url),
            "urllib3": lambda: pool.urlopen("GET", "/healthz", redirect=False).data,
            "pooled_client": lambda: client.send(spec, url),
        }
        health: dict[str, list[float]] = {k: [] for k in senders}
        for r in range(rounds):
            order = list(senders) if r % 2 == 0 else list(reversed(senders))
            for name in order:
                health[name].append(_paced(senders[name], 0.05, 40))
        session.close()
        client.close()
        pool.close()
        lb = lb_polls(target, rounds=rounds, polls=80, hot_polls=800)
    return {
        "health_probe_cpu_us": {k: spread(v) for k, v in health.items()},
        **lb,
        "rounds": rounds,
    }


def lb_polls(
    target: Target, *, rounds: int, polls: int, hot_polls: int, every: float = 0.025
) -> dict[str, Any]:
    """The LB probe's poll (`servers(backend)`, one `show stat B 4 -1`) on the probe's kept
    connection (RuntimeSession, as LbProbe polls) and on a connection of its own (one-shot
    command(), as the probe polled before, as faults and `status` still ask), side by side in
    alternating rounds: this process's CPU a poll, `polls` sent every `every` seconds (caches
    cold, as the probe's thread finds them) and `hot_polls` back to back; and HAProxy's CPU a
    poll back to back (what the target spends answering: its clock ticks are 10 ms, so over
    all the rounds' polls together)."""
    proc = next(p for p in psutil.Process().children() if p.name() == "haproxy")
    kept = RuntimeSession(target.runtime, timeout=0.5)  # as LbProbe makes it
    ways: dict[str, HAProxyRuntime] = {"kept": kept, "oneshot": HAProxyRuntime(target.runtime)}
    paced: dict[str, list[float]] = {k: [] for k in ways}
    hot: dict[str, list[float]] = {k: [] for k in ways}
    theirs = dict.fromkeys(ways, 0.0)
    for r in range(rounds):
        for name in list(ways) if r % 2 == 0 else list(reversed(ways)):
            poll = functools.partial(ways[name].servers, target.backend)
            paced[name].append(_paced(poll, every, polls, clock=time.process_time))
            before = cpu_seconds([proc])
            hot[name].append(_hot(poll, hot_polls))
            theirs[name] += cpu_seconds([proc]) - before
    kept.close()
    return {
        "lb_poll_cpu_us": spread(paced["kept"]),
        "lb_poll_hot_us": statistics.median(hot["kept"]),
        "lb_poll_oneshot_cpu_us": spread(paced["oneshot"]),
        "lb_poll_oneshot_hot_us": statistics.median(hot["oneshot"]),
        "lb_poll_haproxy_us": {k: v / (rounds * hot_polls) * 1e6 for k, v in theirs.items()},
        "lb_poll_rounds_us": paced,
        "lb_polls": {"paced": polls, "hot": hot_polls, "every_s": every},
    }


def record_stream(per_flush: int = 550) -> dict[str, Any]:
    """Per record, the stream as the load process writes it (a batch a flush: the listener's
    row, then the flush's encoding) and as it wrote it before (a line a request), and the
    harness's decoding of each, and what the master spends a record to forward a remote worker's
    batch; `per_flush`: what 50 ms of the stream holds at 11,000 req/s."""
    t = time.time()
    rows: list[Any] = []
    n = 100_000

    def keep() -> None:  # what Recorder.record does a request
        rows.extend((t, 1.234, "GET", "/products", 200, None, {"user": 7}))
        if len(rows) >= per_flush * batch.ROW_FIELDS:
            rows.clear()

    listener = timeit.timeit(keep, number=n) / n
    row = (t, 1.234, "GET", "/products", 200, None)
    flush = [v for i in range(per_flush) for v in (*row, {"user": i})]
    encode = timeit.timeit(lambda: batch.encode(flush), number=200) / 200 / per_flush
    text = batch.encode(flush)
    line = [text.encode()]
    decode = timeit.timeit(lambda: wire.decode_lines(line), number=200) / 200 / per_flush
    # the master forwarding a remote worker's batch with its clock offset taken away
    forward = timeit.timeit(lambda: wire.shift(text, -0.0125), number=200) / 200 / per_flush
    name = wire.json_name("GET /products")  # the line encoder had each name encoded once
    line_encode = timeit.timeit(lambda: wire.request_line(t, 1.234, name, 200, None, 7), number=n)
    lines = [
        wire.encode_request_fields(t + i, 0.001234, "GET /products", 200, None, i).encode()
        for i in range(per_flush)
    ]
    line_decode = timeit.timeit(lambda: wire.decode_lines(lines), number=200) / 200 / per_flush
    return {
        "encode_us_per_record": (listener + encode) * 1e6,
        "listener_us_per_record": listener * 1e6,
        "decode_us_per_record": decode * 1e6,
        "forward_us_per_record": forward * 1e6,
        "line_encode_us_per_record": line_encode / n * 1e6,
        "line_decode_us_per_record": line_decode * 1e6,
    }

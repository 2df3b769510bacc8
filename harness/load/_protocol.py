"""What shopchaos's Locust master and workers say to each other on top of Locust's own messages
(`register_message` / `send_message`). No Locust import: names and payload shapes only.

    worker -> master  HELLO   {"index": int | None, "pid": int, "address": str}  after Locust's ack
    master -> worker  CONFIG  {"index": int, "config": {...LoadConfig...}}
    worker -> master  READY   {"index": int}                   users can be spawned on it now
    master -> worker  PING    {"seq": int, "t1": float}         clock round trip (remote only)
    worker -> master  PONG    {"seq": int, "t1": float, "t2": float, "t3": float}
    worker -> master  LINES   {"lines": [wire line, ...]}       a remote worker's stream, batched
    master -> worker  FINISH  {}                                stop the users, send what is left
    worker -> master  DONE    {"index": int, "requests": int}   nothing more will come
    master -> worker  REJECT  {"reason": str}                   not wanted in this run

Local workers (started by the harness on this machine) send their stream on their own stdout
pipe, like the single load process; remote workers send it in LINES batches every 50 ms, on
their own clock, which the master corrects before passing it on.
"""

from __future__ import annotations

HELLO = "shopchaos_hello"
CONFIG = "shopchaos_config"
READY = "shopchaos_ready"
PING = "shopchaos_ping"
PONG = "shopchaos_pong"
LINES = "shopchaos_lines"
FINISH = "shopchaos_finish"
DONE = "shopchaos_done"
REJECT = "shopchaos_reject"

SKEW_ENV = "SHOPCHAOS_TEST_CLOCK_SKEW"  # seconds a remote worker adds to every time it sends
USERS_PER_WORKER = 1_000_000  # user ids of worker i start at i * this (unique across workers)

"""Repair a stack left degraded by a harness that could not clean up (e.g. it was SIGKILLed).

Generic over the Platform: every Toxiproxy proxy enabled and every toxic removed, every paused
instance resumed, every exited instance started again, every partitioned instance reconnected.
It reports what it fixed; on a healthy stack it fixes nothing. It holds the stack's lock
(_lock.py): StackBusy while another command (a run) uses the stack.
"""

from __future__ import annotations

from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.platforms import _lock
from harness.platforms.base import Platform, Progress, SupportsPartition, no_progress


def recover(platform: Platform, progress: Progress = no_progress) -> list[str]:
    with _lock.hold(platform.state_dir, "recover", progress):
        return _repair(platform, progress)


def _repair(platform: Platform, progress: Progress) -> list[str]:
    fixed: list[str] = []
    endpoints = platform.endpoints()
    client = ToxiproxyClient(endpoints.toxiproxy_url)
    for proxy in client.proxies().values():
        if not proxy.enabled:
            fixed.append(f"proxy {proxy.name}: re-enabled")
        fixed.extend(f"proxy {proxy.name}: removed toxic {t.name} ({t.type})" for t in proxy.toxics)
    client.reset()
    if isinstance(platform, SupportsPartition):
        for inst in endpoints.instances:
            if platform.is_partitioned(inst.name):
                platform.heal(inst.name)
                fixed.append(f"{inst.name}: reconnected to the network")
    for inst in endpoints.instances:
        state = platform.process_state(inst.name)
        if state == "paused":
            platform.resume(inst.name)
            fixed.append(f"{inst.name}: resumed (was paused)")
        elif state == "exited":
            progress(f"starting {inst.name} again")
            platform.start(inst.name)
            fixed.append(f"{inst.name}: started (was not running)")
    for line in fixed:
        progress(line)
    return fixed

"""Repair a stack left degraded by a harness that could not clean up (e.g. it was SIGKILLed).

Generic over the Platform: every Toxiproxy proxy enabled and every toxic removed, every paused
instance resumed, every exited instance started again, every partitioned instance reconnected,
every load-balancer server a drain left in MAINT or DRAIN put back in rotation, and a DR drill
cut short after it dropped the database finished from the backup it kept (faults/dr_journal.py),
and every exec/http/python fault still in force reverted from the journal its apply() wrote
(faults/journal.py). It reports what it fixed; on a healthy stack it fixes nothing. It holds
the stack's lock (_lock.py): StackBusy while another command (a run) uses the stack.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

from harness.errors import HarnessError, StackError
from harness.faultproxy.toxiproxy_client import ToxiproxyClient
from harness.faults import dr_journal, journal
from harness.lb.haproxy_runtime import HAProxyRuntime
from harness.platforms import _lock
from harness.platforms.base import (
    Platform,
    Progress,
    SupportsDatabaseAdmin,
    SupportsPartition,
    no_progress,
)

OUT_OF_ROTATION = ("MAINT", "DRAIN")


def recover(platform: Platform, progress: Progress = no_progress) -> list[str]:
    with _lock.hold(platform.state_dir, "recover", progress):
        return _repair(platform, progress)


def _repair(platform: Platform, progress: Progress) -> list[str]:
    fixed: list[str] = []
    endpoints = platform.endpoints()
    fixed.extend(_revert_journaled(platform, progress))  # before the generic repairs below
    client = ToxiproxyClient(endpoints.toxiproxy_url)
    for proxy in client.proxies().values():
        if not proxy.enabled:
            fixed.append(f"proxy {proxy.name}: re-enabled")
        fixed.extend(f"proxy {proxy.name}: removed toxic {t.name} ({t.type})" for t in proxy.toxics)
    client.reset()
    fixed.extend(_finish_dr_drill(platform, progress))
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
    fixed.extend(_back_in_rotation(endpoints.lb_runtime, endpoints.lb_backend))
    for line in fixed:
        progress(line)
    return fixed


def _back_in_rotation(runtime_address: str, backend: str) -> list[str]:
    """Servers a drain (a rolling restart cut short) left out of rotation: back to ready."""
    runtime = HAProxyRuntime(runtime_address)
    try:
        servers = runtime.servers(backend)
    except StackError:
        return []
    out = []
    for s in servers:
        if s.status in OUT_OF_ROTATION:
            runtime.set_state(backend, s.server, "ready")
            out.append(f"{s.server}: back in the load balancer's rotation (was {s.status})")
    return out


def _finish_dr_drill(platform: Platform, progress: Progress) -> list[str]:
    pending = dr_journal.read(platform.state_dir)
    if pending is None:
        return []
    if not isinstance(platform, SupportsDatabaseAdmin):
        return [
            f"a DR drill left {platform.state_dir / dr_journal.FILE}, but {platform.name} "
            "cannot restore a database: restore it by hand"
        ]
    if pending.phase == "destroying" and platform.database_exists():
        dr_journal.clear(platform.state_dir)  # it was cut short before the drop: nothing lost
        shutil.rmtree(pending.backups_dir, ignore_errors=True)
        return []
    backup = Path(pending.backup)
    if not backup.is_file():
        raise StackError(
            f"a DR drill ({pending.fault}) dropped the database and its backup {backup} is gone",
            hint=f"restore the database from a backup of your own, then delete "
            f"{platform.state_dir / dr_journal.FILE}",
        )
    when = dt.datetime.fromtimestamp(backup.stat().st_mtime, tz=dt.UTC).strftime("%H:%M:%S")
    progress(f"restoring the database from the backup the DR drill kept ({backup})")
    platform.destroy_database()  # whatever a cut-short restore left behind
    platform.restore_database(backup)
    dr_journal.clear(platform.state_dir)
    shutil.rmtree(pending.backups_dir, ignore_errors=True)
    return [
        f"database: restored from the backup of {when} UTC (the DR drill {pending.fault} was "
        "cut short after it dropped the database)"
    ]


def _revert_journaled(platform: Platform, progress: Progress) -> list[str]:
    """Faults of the scenario's own (exec, http, python) a killed harness left in force:
    rebuilt from the journal through the registry and reverted, newest first. One that cannot
    be reverted stays in the journal and is reported; the others still go."""
    from harness.faults import registry
    from harness.faults.base import FaultContext

    entries = journal.read(platform.state_dir)
    if not entries:
        return []
    endpoints = platform.endpoints()
    out: list[str] = []
    failed: list[str] = []
    for entry in sorted(entries, key=lambda e: e.at, reverse=True):
        ctx = FaultContext(
            platform=platform,
            endpoints=endpoints,
            toxiproxy=ToxiproxyClient(endpoints.toxiproxy_url),
            rng=random.Random(0),
            progress=progress,
            configuration=entry.configuration,
            secrets=entry.secrets,
        )
        progress(f"reverting {entry.fault} ({entry.kind}) left in force by harness {entry.pid}")
        try:
            ftype = registry.fault_types()[entry.kind]
            spec = ftype.spec.model_validate({**entry.spec, "id": entry.fault})
            registry.build(spec, ctx).fault.revert()
        except (HarnessError, KeyError, ValueError) as e:
            failed.append(f"{entry.fault} ({entry.kind}): {e}")
            continue
        journal.remove(platform.state_dir, entry.key)
        out.append(f"fault {entry.fault} ({entry.kind}): reverted (left in force by a killed run)")
    if failed:
        raise StackError(
            "could not revert: " + "; ".join(failed),
            hint=f"revert by hand, then delete {platform.state_dir / journal.FILE}",
        )
    return out

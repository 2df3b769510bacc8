"""Adopt only what matches: `up` on a running stack adopts it only when it was started from the
same files (by content) with the same options; otherwise it reports what changed and restarts it
(`restart=True`, what `run` and `up --restart` do) or refuses with a hint.

A stack's state keeps the sha256 of each file it was started from (the stack file; on Compose
also the Compose file) and its options (with env values redacted: the same file and profile
give the same values).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from pathlib import Path

from harness.errors import StackError
from harness.platforms.base import Progress, ResolvedOptions


def digests(paths: Iterable[Path | None]) -> dict[str, str]:
    """sha256 of each file's content, by absolute path (files that cannot be read: "missing")."""
    out: dict[str, str] = {}
    for path in paths:
        if path is None:
            continue
        try:
            out[str(path.resolve())] = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            out[str(path.resolve())] = "missing"
    return out


def changes(
    *,
    running: ResolvedOptions,
    running_files: dict[str, str],
    wanted: ResolvedOptions,
    wanted_files: dict[str, str],
    since: float,
) -> list[str]:
    """What differs between the running stack and the one `up` would start; [] when it matches.

    `running` and `wanted` are compared with env values redacted (as the state keeps them).
    """
    reasons: list[str] = []
    at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(since))
    for path, digest in wanted_files.items():
        before = running_files.get(path)
        if before is None:
            was = ", ".join(sorted(running_files)) or "a file this version does not record"
            reasons.append(f"it was brought up (at {at}) from {was}, not from {path}")
        elif before != digest:
            reasons.append(f"{path} changed since the stack was brought up (at {at})")
    if running.redacted() != wanted.redacted():
        reasons.append(
            f"it runs with other options ({running.describe()}; asked: {wanted.describe()})"
        )
    return reasons


def platform_flag(platform: str) -> str:
    """What a command line says to reach this platform's stack: "" for local (the default)."""
    return "" if platform == "local" else f" --platform {platform}"


def adopt_or_restart(
    reasons: list[str], *, restart: bool, platform: str, progress: Progress
) -> bool:
    """True: adopt the running stack. False: the caller restarts it. StackError: refused."""
    if not reasons:
        progress("the stack is already up from the same files and options: adopting it")
        return True
    why = "; ".join(reasons)
    if restart:
        progress(f"the running stack does not match: {why}. Restarting it")
        return False
    flag = platform_flag(platform)
    raise StackError(
        f"the stack is already up, but {why}",
        hint=f"`shopchaos up{flag} --restart` restarts it as asked (a run does that by itself), "
        f"or `shopchaos down{flag}` stops it",
    )

"""The harness's own cost: the most req/s one Locust user class reaches with and without the
harness's per-request recording and probes, in alternating pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench._common import load_rate, spread
from harness.platforms.local import LocalPlatform


def overhead(
    platform: LocalPlatform, work: Path, *, pairs: int = 5, seconds: float = 8.0
) -> dict[str, Any]:
    with_h, without, ratios = [], [], []
    for i in range(pairs):
        order = (True, False) if i % 2 == 0 else (False, True)
        got = {
            mode: load_rate(platform, work, users=16, seconds=seconds, record=mode, probes=mode)
            for mode in order
        }
        with_h.append(got[True])
        without.append(got[False])
        ratios.append(got[True] / got[False])
    return {
        "with_harness_rps": spread(with_h),
        "without_rps": spread(without),
        "ratio": spread(ratios),
        "pairs": pairs,
        "seconds": seconds,
    }

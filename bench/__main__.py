"""`python -m bench` (`make bench`): the load scaling against its own almost-free target first
(bench/scaling.py, no stack up), then every other benchmark against one private local stack
(the sample shop), then `truth` against the ground-truth stacks of tests/stacks/, one at a time.
`scale_real` (a real 10-minute scenario at the load ceiling, bench/scale_real.py) and
`overhead_split` (the harness overhead's parts one at a time, bench/scaling.py) run only when
asked for: `--only scale_real`, `--only overhead_split`.

Writes bench/results/<stamp>.json, bench/results/latest.json, bench/results/load-ceiling.json
(read by the runner's load warning) and the generated section of docs/performance.md.
Ratios are measured side by side in one run (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import json
import os
import platform as pyplatform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))

from bench import (  # noqa: E402
    accuracy,
    ceiling,
    chain,
    costs,
    failover,
    green,
    overhead,
    proxy,
    scale,
    scale_real,
    scaling,
    storm,
    truth,
)
from bench._common import stack  # noqa: E402
from bench.markdown import render, update_docs  # noqa: E402

NAMES = (
    "scaling",
    "gc",
    "storm",
    "costs",
    "accuracy",
    "kill_detection",
    "overhead",
    "ceiling",
    "failover",
    "proxy",
    "chain",
    "green",
    "truth",
    "scale",
    "scale_real",
    "overhead_split",
)
# not in a plain `make bench`: 10 minutes of its own by default; the overhead's parts, 8 minutes
OPT_IN = {"scale_real", "overhead_split"}
# the others bring up their own targets
ON_SAMPLE_SHOP = set(NAMES) - {
    "truth",
    "scaling",
    "gc",
    "storm",
    "costs",
    "scale",
    "scale_real",
    "overhead_split",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only",
        help=f"comma-separated subset of: {', '.join(NAMES)} "
        f"(default: all but {', '.join(sorted(OPT_IN))})",
    )
    parser.add_argument("--trials", type=int, default=3, help="trials per accuracy/failover run")
    parser.add_argument("--pairs", type=int, default=5, help="alternating overhead pairs")
    parser.add_argument(
        "--scaling-pairs",
        type=int,
        default=80,
        help="alternating pairs of the scaling overhead (and of each part in overhead_split)",
    )
    parser.add_argument(
        "--scale-real-seconds",
        type=float,
        default=scale_real.DEFAULT_SECONDS,
        help="length of the scale_real trial (default 600; at least 15)",
    )
    parser.add_argument(
        "--scale-real-workers",
        type=int,
        default=None,
        help="load processes of the scale_real trial (default: one per core)",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite docs/performance.md")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="only render saved results (e.g. bench/results/latest.json)",
    )
    args = parser.parse_args(argv)
    if args.render is not None:
        table = render(json.loads(args.render.read_text()))
        print(table)
        if not args.no_docs:
            update_docs(ROOT / "docs" / "performance.md", table)
        return 0
    chosen = set(args.only.split(",")) if args.only else set(NAMES) - OPT_IN
    unknown = chosen - set(NAMES)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if args.scale_real_seconds < scale_real.MIN_SECONDS:
        parser.error(f"--scale-real-seconds: at least {scale_real.MIN_SECONDS:g}")
    if args.scale_real_workers is not None and not 1 <= args.scale_real_workers <= 64:
        parser.error("--scale-real-workers: 1 to 64")
    results: dict[str, Any] = {
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "machine": {
            "cpus": os.cpu_count(),
            "system": f"{pyplatform.system()} {pyplatform.release()}",
            "python": pyplatform.python_version(),
        },
    }
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="shopchaos-bench-") as tmp:
        work = Path(tmp)
        reports = work / "reports"
        if "scaling" in chosen:  # needs no stack: its own target, and a quieter machine
            _step(
                results,
                "scaling",
                lambda: scaling.scaling(work / "scaling", pairs=args.scaling_pairs),
            )
        if "gc" in chosen:  # its own target: the load process's GC, tuned and not
            _step(results, "gc", lambda: scaling.gc_tuning(work / "gc"))
        if "storm" in chosen:  # its own targets: what a load process holds when all fails
            _step(results, "storm", lambda: storm.error_storm(work / "storm"))
        if "overhead_split" in chosen:  # opt-in: the overhead's parts one at a time
            _step(
                results,
                "overhead_split",
                lambda: scaling.overhead_split(work / "split", pairs=args.scaling_pairs),
            )
        if "costs" in chosen:  # its own target, no stack: the harness's work, call by call
            _step(results, "costs", lambda: costs.costs(work / "costs"))
        if "scale" in chosen:  # synthetic, known by construction: no stack
            _step(results, "scale", lambda: scale.scale(work / "scale"))
        if "scale_real" in chosen:  # its own stack (bench/stacks/ok), before the others
            _step(
                results,
                "scale_real",
                lambda: scale_real.scale_real(
                    work / "scale_real",
                    seconds=args.scale_real_seconds,
                    workers=args.scale_real_workers,
                ),
            )
        if chosen & ON_SAMPLE_SHOP:
            _stack_steps(args, chosen, results, work, reports)
        if "truth" in chosen:
            _step(results, "truth", lambda: truth.ground_truth(work, trials=args.trials))
    results["total_seconds"] = round(time.monotonic() - began, 1)
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (out / f"{stamp}.json").write_text(json.dumps(results, indent=1, default=str))
    if args.only and (out / "latest.json").exists():
        results = merged(json.loads((out / "latest.json").read_text()), results, chosen)
    (out / "latest.json").write_text(json.dumps(results, indent=1, default=str))
    if "ceiling" in results:
        (out / "load-ceiling.json").write_text(
            json.dumps(
                {"locust_rps": results["ceiling"]["locust_rps"], "measured": results["started"]}
            )
        )
    table = render(results)
    print(table)
    if not args.no_docs:
        update_docs(ROOT / "docs" / "performance.md", table)
    return 1 if results.get("failed") else 0


def merged(before: dict[str, Any], run: dict[str, Any], chosen: set[str]) -> dict[str, Any]:
    """latest.json after a `--only` run: the earlier results with the steps this run made
    replaced, and the command line naming the run each step's figures come from (a run none of
    whose figures are left is no longer named)."""
    steps = [n for n in NAMES if n in chosen]
    out = {k: v for k, v in before.items() if k not in chosen}
    out.update({k: run[k] for k in steps if k in run})
    failed = {k: v for k, v in before.get("failed", {}).items() if k not in chosen}
    failed.update(run.get("failed", {}))
    out.pop("failed", None)
    if failed:
        out["failed"] = failed
    earlier = before.get("runs") or [
        {"steps": [n for n in NAMES if n in before], "command": before["command"]}
    ]
    kept = [{**r, "steps": [n for n in r["steps"] if n not in chosen]} for r in earlier]
    runs = [r for r in kept if r["steps"]]  # each run names only the steps still its own
    runs.append({"steps": steps, "command": f"{run['command']}, {run['started']}"})
    out["runs"] = runs
    first, *later = runs
    out["command"] = " ".join(
        [first["command"], *(f"({', '.join(r['steps'])}: {r['command']})" for r in later)]
    )
    return out


def _stack_steps(
    args: argparse.Namespace, chosen: set[str], results: dict[str, Any], work: Path, reports: Path
) -> None:
    """The benchmarks that run against one private local stack."""
    with stack(work / "state") as platform:
        steps: list[tuple[str, Callable[[], Any]]] = [
            (
                "accuracy",
                lambda: accuracy.dependency_down(platform, reports, trials=args.trials),
            ),
            (
                "kill_detection",
                lambda: accuracy.kill_detection(platform, reports, trials=args.trials),
            ),
            ("overhead", lambda: overhead.overhead(platform, work, pairs=args.pairs)),
            ("ceiling", lambda: ceiling.ceiling(platform, work)),
            ("failover", lambda: failover.failover(platform, reports, trials=args.trials)),
            ("proxy", lambda: proxy.proxy(platform)),
            ("chain", lambda: chain.checkout_latency(platform)),
            (
                "green",
                lambda: {
                    **green.up_time(platform),
                    **green.suite_time(platform, reports, ROOT / "scenarios"),
                },
            ),
        ]
        for name, step in steps:
            if name in chosen:
                _step(results, name, step)


def _step(results: dict[str, Any], name: str, step: Callable[[], Any]) -> None:
    """Run one benchmark; a failure is recorded under "failed" and the others still run, so
    twenty minutes of figures are not lost to the last step (main() then exits 1)."""
    t = time.monotonic()
    print(f"[bench] {name} ...", flush=True)
    try:
        results[name] = step()
    except Exception as e:  # any benchmark's failure is reported, not fatal
        results.setdefault("failed", {})[name] = f"{type(e).__name__}: {e}"
        print(f"[bench] {name} FAILED: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return
    results[name]["bench_seconds"] = round(time.monotonic() - t, 1)
    print(f"[bench] {name}: {json.dumps(results[name], default=str)[:300]}", flush=True)


if __name__ == "__main__":
    sys.exit(main())

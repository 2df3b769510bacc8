"""One-line definitions shown next to each figure in the HTML report (docs/metrics.md has the
full ones)."""

from __future__ import annotations

GLOSSARY: dict[str, tuple[str, str]] = {
    "time_to_detect": (
        "time to detect",
        "From the moment the fault was in force (t_inject) to the first failed or too-slow "
        "response a customer saw in the fault's impact; ± is how precisely the request rate "
        "lets us know it. 'no impact': the service stayed within tolerance.",
    ),
    "time_to_recover": (
        "time to recover",
        "From t_inject (faults the system should survive while they last, e.g. a kill) or from "
        "the revert (faults that must be lifted) until the service was back within the "
        "baseline's tolerance and stayed there to the end of the trial; a flapping service has "
        "not recovered until it stops. 'never': still out of tolerance at the end.",
    ),
    "errors": (
        "errors",
        "Failed requests (transport error, status ≥ 500, or a failure the shopper journey "
        "marked) in flight during the impact window: from apply() until recovery. Requests "
        "also inside another fault's impact are marked shared.",
    ),
    "users_affected": (
        "users affected",
        "Simulated shoppers with at least one failed request in the impact window, of those "
        "active in it. Under closed-loop load, errors follow the users stuck on a dead server.",
    ),
    "availability": (
        "availability",
        "Share of requests that succeeded among those started while the fault was in force.",
    ),
    "p95_inflation": (
        "p95 inflation",
        "p95 latency of successful requests while the fault was in force divided by the "
        "baseline p95 (failures count in the error rate, not here).",
    ),
    "delivered_ratio": (
        "delivered / offered",
        "Successful responses in the 3 s after t_inject divided by what the baseline rate "
        "would have delivered in that time.",
    ),
    "lb_down_after": (
        "LB marked down",
        "Seconds from t_inject until HAProxy's runtime API showed the server out of rotation.",
    ),
    "time_to_settle": (
        "settled after revert",
        "For a fault the system should survive while it lasts (a kill): from its revert (the "
        "replica restarted) until the service was back within tolerance and stayed there. "
        "'no impact': lifting it disturbed nothing.",
    ),
    "lb_up_after": (
        "LB back up",
        "Seconds from t_inject until HAProxy showed the server UP again.",
    ),
}

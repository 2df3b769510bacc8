"""What `shopchaos run` shows while it works: steps, a live line, and each trial's verdict."""

from __future__ import annotations

import time

from rich.console import Console
from rich.live import Live
from rich.text import Text

from harness import fmt
from harness.record import model as rec
from harness.scenario.schema import Scenario
from harness.scenario.trial import LiveState

VERDICT_STYLE = {
    rec.Status.PASSED: "green",
    rec.Status.INCONCLUSIVE: "yellow",
    rec.Status.FAILED: "red",
    rec.Status.ABORTED: "yellow",
    rec.Status.ERROR: "red",
    rec.Status.INTERRUPTED: "yellow",
}


class ConsoleUI:
    """Rich output on a terminal; on CI (no terminal) a plain line every few seconds."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        self._live: Live | None = None
        self._last_plain = 0.0

    def _stamp(self) -> Text:
        return Text(f"{time.monotonic() - self.started:7.1f}s ", style="dim")

    def progress(self, message: str) -> None:
        self.console.print(Text.assemble(self._stamp(), message))

    def scenario_start(self, scenario: Scenario, index: int, total: int) -> None:
        self.console.rule(f"[bold]{scenario.name}[/] ({index + 1}/{total})", align="left")
        if scenario.description:
            self.console.print(Text(scenario.description, style="dim"))

    def trial_start(self, trial: int, trials: int) -> None:
        if trials > 1:
            self.progress(f"trial {trial + 1}/{trials}")
        if self.console.is_terminal:
            self._live = Live(Text(""), console=self.console, refresh_per_second=4, transient=True)
            self._live.start()

    def live(self, state: LiveState) -> None:
        line = _live_line(state)
        if self._live is not None:
            self._live.update(line)
            return
        now = time.monotonic()
        if now - self._last_plain >= 5:
            self._last_plain = now
            self.console.print(Text.assemble(self._stamp(), line))

    def trial_done(self, trial: rec.TrialRecord) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None
        style = VERDICT_STYLE[trial.status]
        parts: list[str | tuple[str, str] | Text] = [
            self._stamp(),
            (f"trial {trial.index + 1}: {trial.status.value}", f"bold {style}"),
        ]
        for f in trial.faults:
            m = f.metrics
            detect = fmt.detection(m.recovery, m.time_to_detect, m.resolution_detect)
            recover = fmt.recovery(m.recovery, m.time_to_recover, m.resolution_recover)
            parts.append(f"  {f.id}: detect {detect}, recover {recover}, {m.errors} errors")
        if trial.abort:
            parts.append(f"  aborted: {trial.abort.reason}")
        self.console.print(Text.assemble(*parts))
        for e in trial.evidence:
            self.console.print(Text(f"      ? {e.message}", style="yellow"))
        for c in trial.checks:
            if c.verdict == "fail":
                self.console.print(
                    Text(
                        f"      ✗ {c.scope} {c.name}: expected {c.expected}, got {c.observed}",
                        style="red",
                    )
                )
            elif c.verdict == "inconclusive" and not trial.evidence:
                self.console.print(
                    Text(
                        f"      ? {c.scope} {c.name}: expected {c.expected}, got {c.observed}: "
                        f"{c.reason}",
                        style="yellow",
                    )
                )
        for err in trial.errors:
            self.console.print(Text(f"      ! {err}", style="red"))
        for rb in trial.rollbacks:
            if not rb.ok:
                self.console.print(
                    Text(
                        f"      ! reverting {rb.fault} failed: {rb.error}; the stack may be "
                        "degraded: run `shopchaos recover`",
                        style="bold red",
                    )
                )


def _live_line(s: LiveState) -> Text:
    backends = " ".join(
        f"{name}:{state.split(' ', 1)[0]}" for name, state in sorted(s.backends.items())
    )
    faults = ", ".join(s.active_faults) or "none"
    return Text.assemble(
        (f"{s.phase:<8}", "bold"),
        f" {s.elapsed:5.1f}/{s.total:.0f}s  {s.rps:6.0f} req/s  errors {fmt.rate(s.error_rate)}"
        f"  p95 {fmt.seconds(s.p95)}  faults: {faults}  LB: {backends}",
        (f"  ⚠ {s.starved}: verdicts may be inconclusive" if s.starved else "", "bold yellow"),
    )

"""The stack a run uses: held for the whole run, brought to what each scenario needs, and left as
the user had it.

`StackKeeper.begin` takes the stack's lock (one harness per stack, _lock.py) and notes what was
running. `ensure` brings the stack to a scenario's options: a stack started from other stack
file content or with other options is reported and restarted (`up(restart=True)`). `finish`
leaves the stack as it was found: a stack the run started is taken down; a stack the user had
is restarted with the user's options (profile included) when a scenario switched it. With
`keep_stack` True whatever runs is left up; with False the stack is taken down. Then the lock
is released. The pytest plugin keeps one for its whole session.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from harness.platforms import _lock
from harness.platforms.base import Platform, Progress, ResolvedOptions, StackOptions


class StackKeeper:
    def __init__(
        self,
        platform: Platform,
        progress: Progress,
        keep_stack: bool | None,
        hold: AbstractContextManager[None],
    ) -> None:
        self.platform = platform
        self.progress = progress
        self.keep_stack = keep_stack
        self._hold = hold
        self.found: ResolvedOptions | None = platform.options()  # None: nothing was up

    @classmethod
    def begin(
        cls,
        platform: Platform,
        progress: Progress,
        keep_stack: bool | None = None,
        *,
        command: str = "run",
    ) -> StackKeeper:
        """Take the stack's lock (StackBusy at once if another process holds it)."""
        hold = _lock.hold(platform.state_dir, command, progress)
        hold.__enter__()
        try:
            return cls(platform, progress, keep_stack, hold)
        except BaseException:
            hold.__exit__(None, None, None)
            raise

    def ensure(self, wanted: StackOptions) -> None:
        """The stack up as `wanted` asks, from the stack file as it is now."""
        if self.platform.options() is None:
            self.progress(f"bringing the stack up on {self.platform.name}")
        self.platform.up(wanted, self.progress, restart=True)

    def finish(self) -> None:
        """Leave the stack as the run found it (see the module's docstring); release the lock."""
        try:
            self._leave()
        finally:
            self._hold.__exit__(None, None, None)

    def _leave(self) -> None:
        if self.keep_stack is True:
            return
        if self.keep_stack is False or self.found is None:
            if self.platform.is_up():
                why = "as asked" if self.keep_stack is False else "this run started it"
                self.progress(f"taking the stack down ({why})")
                self.platform.down(self.progress)
            return
        if self.platform.options() != self.found:
            self.progress(f"restoring the stack you had ({self.found.describe()})")
            self.platform.up(as_request(self.found), self.progress, restart=True)


def as_request(options: ResolvedOptions) -> StackOptions:
    """The request that brings a stack up with `options` again (env values follow the profile)."""
    return StackOptions(
        replicas=options.replicas,
        db=options.db,
        profile=options.profile,
        lb_profile=options.lb_profile,
    )

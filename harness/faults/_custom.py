"""What the exec, http and python faults share: the revert is written in the scenario, so
each records itself in the journal of faults in force (journal.py) before apply() and clears
itself once revert() succeeded, and `recover` can revert it after a SIGKILL."""

from __future__ import annotations

import os
import time
from pathlib import Path

from pydantic import Field

from harness.faults import journal
from harness.faults.base import FaultContext, FaultSpec
from harness.faults.meta import FaultMeta


class CustomSpec(FaultSpec):
    target: str | None = Field(
        default=None, description="what it hits, for reports (default: what it runs)"
    )


class JournaledFault:
    """apply(): journal, then _apply(). revert(): _revert() (when there is one), then clear."""

    has_revert: bool = True

    def __init__(self, spec: FaultSpec, ctx: FaultContext, meta: FaultMeta) -> None:
        self.spec = spec
        self.ctx = ctx
        self.meta = meta
        self.state_dir: Path = ctx.platform.state_dir
        self._key: str | None = None

    def apply(self) -> None:
        if self.has_revert:
            self._key = journal.new_key(self.meta.id)
            journal.add(
                self.state_dir,
                journal.InForce(
                    key=self._key,
                    fault=self.meta.id,
                    kind=self.meta.kind,
                    spec=self.spec.model_dump(mode="json", by_alias=True, exclude_none=True),
                    configuration=dict(self.ctx.configuration),
                    secrets=dict(self.ctx.secrets),
                    at=time.time(),
                    pid=os.getpid(),
                ),
            )
        self._apply()

    def revert(self) -> None:
        if self.has_revert:
            self._revert()
        if self._key is not None:
            journal.remove(self.state_dir, self._key)
            self._key = None

    def _apply(self) -> None:
        raise NotImplementedError

    def _revert(self) -> None:
        raise NotImplementedError

"""Following a local workflow run without a polling delay at its end.

A local run ends when its executor process records the final state and exits, so a
follower that sleeps between GetWorkflowRun polls can wake on that exit (a pidfd
becomes readable) instead of finishing its sleep: ``glue-wf run --wait`` returns as
the run ends, not up to a poll interval later.
"""

from __future__ import annotations

import contextlib
import os
import select
import time
from collections.abc import Callable
from pathlib import Path

from glue_workflow.local.glue.procs import process_start_time

# (pid, kernel start time) of a run's executor, (None, None) until the run records it
Locate = Callable[[], tuple[int | None, str | None]]


def executor_of(home: Path, run_id: str) -> Locate:
    def locate() -> tuple[int | None, str | None]:
        from glue_workflow.local.glue.state import GlueState
        from glue_workflow.local.store import LocalHome

        run = GlueState(LocalHome(home)).run(run_id)
        return (None, None) if run is None else (run.executor_pid, run.executor_start)

    return locate


class RunWaiter:
    """``sleep(delay)`` that returns early when the run's executor exits."""

    def __init__(self, locate: Locate) -> None:
        self.locate = locate
        self.fd: int | None = None
        self.exited = False  # seen once: from then on plain sleeps (the poll sees the end)

    def __call__(self, delay: float) -> None:
        if self.exited:
            time.sleep(delay)
            return
        fd = self.fd if self.fd is not None else self._open()
        if fd is None:
            time.sleep(delay)
            return
        ready, _, _ = select.select([fd], [], [], delay)
        if ready:
            self.exited = True
            self.close()

    def _open(self) -> int | None:
        """A pidfd of the run's executor, once the run has recorded it (None until then,
        or where pidfds do not exist)."""
        opener: Callable[[int], int] | None = getattr(os, "pidfd_open", None)
        if opener is None:
            return None
        pid, start = self.locate()
        if pid is None:
            return None
        try:
            fd = opener(pid)
        except OSError:  # already gone: the next poll sees the final state
            self.exited = True
            return None
        # the pid may have been reused by another process since the run recorded it
        current = process_start_time(pid)
        if current is None or (start and current != start):
            os.close(fd)
            self.exited = True
            return None
        self.fd = fd
        return fd

    def close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

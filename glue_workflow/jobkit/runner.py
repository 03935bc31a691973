"""``run_job``: the one-line failure contract of every job script."""

from __future__ import annotations

import sys
from typing import Any, Callable

from glue_workflow.jobkit.errors import JobFailed, JobInputError


def run_job(main: Callable[[], Any]) -> None:
    """Call ``main()``; a JobInputError/JobFailed prints one line and exits 1.

    Anything else propagates with its traceback: it is a bug, not a user error.
    """
    try:
        main()
    except JobInputError as exc:
        print(f"glue-wf job input error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    except JobFailed as exc:
        print(f"glue-wf job failed: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)

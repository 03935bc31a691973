"""``run_job``: the one-line failure contract of every job script (shell and Spark)."""

from __future__ import annotations

import sys
from typing import Any, Callable

from glue_workflow.jobkit.args import parse_arguments
from glue_workflow.jobkit.cache import begin as begin_cache_step
from glue_workflow.jobkit.errors import JobExit, JobFailed, JobInputError
from glue_workflow.jobkit.failure import (
    clear_failure,
    exception_reason,
    one_line_reason,
    record_failure,
)

INPUT_ERROR = "glue-wf job input error: "
JOB_FAILED = "glue-wf job failed: "


# 128 + SIGTERM: a job that turns the SIGTERM of a stop or timeout into SystemExit to
# clean up (jobs/preprocess.py) exits with the status the signal would have given
STOPPED_EXIT = 143


def run_job(main: Callable[[], Any]) -> None:
    """Call ``main()`` unless the step cache serves it; on failure record the reason, exit 1.

    A JobInputError/JobFailed prints one line and exits 1 (``JobExit``). A
    ``sys.exit(N)`` / ``sys.exit("text")`` in ``main`` records its reason and exits as
    asked; ``sys.exit()`` / ``sys.exit(0)`` is a success, as ``main`` returning.
    Anything else propagates with its traceback: it is a bug, not a user error. Either
    way the one-line reason first goes into the run property ``glue_wf_error_<node>``
    (see ``failure``): on Glue the job run itself only says "Command failed with exit
    code 1". A success empties a reason an earlier attempt or run recorded
    (``clear_failure``) and warns of declared writes the job left unwritten.
    """
    exited: SystemExit | None = None
    try:
        # Step caching and --rerun-from (see ``cache``): a served step skips main().
        step = begin_cache_step()
        if step is None or not step.served:
            exited = _call(main)
            if step is not None:
                step.finish()
        clear_failure()
    except JobExit:
        raise  # a run_job inside main printed and recorded its reason already
    except (JobInputError, JobFailed) as exc:
        prefix = INPUT_ERROR if isinstance(exc, JobInputError) else JOB_FAILED
        line = one_line_reason(prefix + str(exc), parse_arguments(sys.argv))
        # Recorded first: a warning about recording must not be the log's last line.
        record_failure(line)
        print(line, file=sys.stderr, flush=True)
        raise JobExit(line) from None
    except SystemExit as exc:  # sys.exit(N) with N not 0: a failure, exiting as asked
        if exc.code == STOPPED_EXIT:  # a stop's or a timeout's SIGTERM, turned into an exit
            raise  # so the job could clean up: STOPPED / TIMEOUT says why, it did not fail
        line = one_line_reason(JOB_FAILED + exit_reason(exc.code), parse_arguments(sys.argv))
        record_failure(line)
        if isinstance(exc.code, int):  # Python prints a non-number code itself
            print(line, file=sys.stderr, flush=True)
        raise
    except Exception as exc:
        record_failure(exception_reason(exc))
        raise
    if exited is not None:
        raise exited  # the success path ran; the script still exits where it asked to


def _call(main: Callable[[], Any]) -> SystemExit | None:
    """``main()``; a ``sys.exit()`` / ``sys.exit(0)`` in it is returned, not raised: a
    success, whose success path (clearing a reason, checking writes) must still run."""
    try:
        main()
    except SystemExit as exc:
        if exc.code is None or exc.code == 0:
            return exc
        raise
    return None


def exit_reason(code: object) -> str:
    """What a failing ``sys.exit(code)`` says: its message, or ``exited with code N``."""
    if isinstance(code, int):  # bool too: sys.exit(True) exits 1
        return f"exited with code {int(code)}"
    return str(code).strip() or "exited with code 1"

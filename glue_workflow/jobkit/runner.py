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


def run_job(main: Callable[[], Any]) -> None:
    """Call ``main()`` unless the step cache serves it; on failure record the reason, exit 1.

    A JobInputError/JobFailed prints one line and exits 1 (``JobExit``). Anything else
    propagates with its traceback: it is a bug, not a user error. Either way the
    one-line reason first goes into the run property ``glue_wf_error_<node>`` (see
    ``failure``): on Glue the job run itself only says "Command failed with exit code 1".
    A success empties a reason an earlier attempt or run recorded (``clear_failure``).
    """
    try:
        # Step caching and --rerun-from (see ``cache``): a served step skips main().
        step = begin_cache_step()
        if step is None or not step.served:
            main()
            if step is not None:
                step.finish()
        clear_failure()
    except (JobInputError, JobFailed) as exc:
        prefix = INPUT_ERROR if isinstance(exc, JobInputError) else JOB_FAILED
        line = one_line_reason(prefix + str(exc), parse_arguments(sys.argv))
        # Recorded first: a warning about recording must not be the log's last line.
        record_failure(line)
        print(line, file=sys.stderr, flush=True)
        raise JobExit(line) from None
    except Exception as exc:
        record_failure(exception_reason(exc))
        raise

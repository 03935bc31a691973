"""What the executor records of a job run: the run to start, the live process, the
``glue_job_runs`` row and the JobRun fields GetJobRun shows."""

from __future__ import annotations

import math
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from glue_workflow.errors import LocalTargetError

INSERT_JOB_RUN = (
    "INSERT INTO glue_job_runs (id, job, run_id, trigger, attempt, previous_run_id, state, "
    "started, modified, completed, error, arguments, timeout, pid, executor_pid, "
    "executor_start, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)"
)


def seconds_per_minute() -> float:
    """Wall-clock seconds per Glue timeout minute (60; smaller only to test timeouts fast)."""
    raw = os.environ.get("GLUE_WF_LOCAL_SECONDS_PER_MINUTE", "60")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise LocalTargetError(
            f"GLUE_WF_LOCAL_SECONDS_PER_MINUTE={raw!r} is not a positive number of seconds "
            "(wall-clock seconds per Glue timeout minute): unset it, or set e.g. 60"
        )
    return value


@dataclass(kw_only=True)
class Start:
    """A job run to start: which job, from which trigger action, which attempt."""

    job: str
    trigger: str | None
    action: dict[str, Any]
    attempt: int = 0
    previous: str | None = None
    first_id: str | None = None
    job_run_id: str = ""
    started: float = 0.0


@dataclass(kw_only=True)
class Running:
    """A live job process (mutable bookkeeping of the executor loop)."""

    start: Start
    proc: subprocess.Popen[bytes]
    deadline: float
    timeout: int
    fd: int | None = None
    kill_reason: str | None = None
    kill_at: float | None = None


# a job run admitted to start: its Start, job definition, resolved arguments, timeout
Launch = tuple[Start, dict[str, Any], dict[str, str], int]


def run_doc(
    start: Start, job: dict[str, Any], *, workflow: str | None, run_id: str | None
) -> dict[str, Any]:
    """The JobRun fields GetJobRun shows beyond the row's own.

    ``Arguments`` are what the run was started with, never merged with the job's
    DefaultArguments (the merge is what the job process receives, see the executor's
    ``_admit``): "For this job run, they replace the default arguments set in the job
    definition itself" (StartJobRun API reference). A trigger action starts the
    run with its own Arguments, and a workflow adds ``--WORKFLOW_NAME`` and
    ``--WORKFLOW_RUN_ID`` as run arguments (Glue developer guide on workflow run
    properties: jobs read them with getResolvedOptions). No public GetJobRun
    transcript of a workflow-started run was found; that the two show among the
    Arguments follows from their being arguments of the run.
    """
    arguments = dict(start.action.get("Arguments") or {})
    if workflow and run_id:
        arguments["--WORKFLOW_NAME"] = workflow
        arguments["--WORKFLOW_RUN_ID"] = run_id
    return {**_job_settings(job), "Arguments": arguments}


def _job_settings(job: dict[str, Any]) -> dict[str, Any]:
    """Static JobRun fields copied from the job definition."""
    keys = ("GlueVersion", "MaxCapacity", "WorkerType", "NumberOfWorkers", "ExecutionClass")
    return {k: job[k] for k in keys if job.get(k) is not None}

"""Why a job node failed, where its logs are, and its console page: the same on both targets.

Glue's own ``ErrorMessage`` for a failed Python shell job run is only "Command failed
with exit code 1" (awslabs/aws-glue-libs#221), so the reason a job records in the run
property ``glue_wf_error_<node>`` (``glue_workflow.jobkit.failure``) wins when the job's
last attempt FAILED. Pure functions: no boto3, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from glue_workflow import naming
from glue_workflow.naming import error_property, node_of_job

# Glue's message for a job run whose process exited non-zero (Python shell; the
# reason is only in CloudWatch Logs): awslabs/aws-glue-libs#221.
COMMAND_FAILED = "Command failed with exit code"


def recorded_reason(
    properties: Mapping[str, str], workflow: str, job: str, state: str | None
) -> str | None:
    """The reason the job recorded for its failed last attempt, if any.

    Only for FAILED: a TIMEOUT or STOPPED attempt was ended by Glue, whose message is
    the truth, and a reason from an earlier failed attempt must not outlive a retry
    that succeeded.
    """
    if state != "FAILED":
        return None
    reason = properties.get(error_property(node_of_job(workflow, job)))
    return reason or None


def preferred_message(
    properties: Mapping[str, str], workflow: str, job: str, state: str | None, glue_message: Any
) -> str | None:
    """What status shows for a job node: the recorded reason, else Glue's message."""
    reason = recorded_reason(properties, workflow, job, state)
    if reason:
        return reason
    return str(glue_message) if glue_message else None


@dataclass(frozen=True, kw_only=True)
class LogGroups:
    """CloudWatch Logs groups of a job run; the stream is the job run id."""

    output: str
    error: str

    def to_json(self) -> dict[str, str]:
        return {"Output": self.output, "Error": self.error}


def _enabled(value: str | None) -> bool:
    return str(value).lower() == "true"


def log_groups(
    job: Mapping[str, Any] | None, arguments: Mapping[str, str] | None = None
) -> LogGroups:
    """The log groups of a run of ``job`` (a GetJob ``Job``), for its job type.

    ``arguments``: the run's own arguments, which override the job's defaults.
    """
    job = job or {}
    args = {**(job.get("DefaultArguments") or {}), **(arguments or {})}
    command = (job.get("Command") or {}).get("Name")
    if command == "pythonshell":
        # Python shell jobs: stdout/stderr go to /aws-glue/python-jobs/output and /error
        # (aws-cdk's Python shell job integration test reads the output group by run id).
        return LogGroups(output="/aws-glue/python-jobs/output", error="/aws-glue/python-jobs/error")
    version = str(job.get("GlueVersion") or "")
    try:
        major = float(version)
    except ValueError:
        major = 5.0  # glue-wf's default for Spark jobs
    if major >= 5.0:
        # Glue 5.0: stdout/stderr in /aws-glue/jobs/output, driver and system logs in
        # /aws-glue/jobs/error, or <prefix>/output and <prefix>/error with
        # --custom-logGroup-prefix (docs: monitor-continuous-logging.html).
        prefix = (args.get("--custom-logGroup-prefix") or "/aws-glue/jobs").rstrip("/")
        return LogGroups(output=f"{prefix}/output", error=f"{prefix}/error")
    if _enabled(args.get("--enable-continuous-cloudwatch-log")):
        # Glue 4.0 and earlier with continuous logging: one group, default logs-v2
        # (docs: monitor-continuous-logging-enable.html, --continuous-log-logGroup).
        group = args.get("--continuous-log-logGroup") or "/aws-glue/jobs/logs-v2"
        return LogGroups(output=group, error=group)
    return LogGroups(output="/aws-glue/jobs/output", error="/aws-glue/jobs/error")


def job_run_console_url(region: str, job: str, job_run_id: str) -> str:
    """The Glue console page of one job run (Glue Studio's run details), on the
    console of ``region``'s partition."""
    return naming.console_url(
        region, "gluestudio/home", f"/job/{quote(job, safe='')}/run/{quote(job_run_id, safe='')}"
    )

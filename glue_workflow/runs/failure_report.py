"""The failed job nodes of a run: reason, logs and console page, for status and --wait."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from glue_workflow.naming import node_of_job
from glue_workflow.runs.failures import LogGroups, job_run_console_url, log_groups
from glue_workflow.runs.run_nodes import FAILED_STATES, NEVER_STARTED, NodeRow, node_rows

if TYPE_CHECKING:
    from glue_workflow.runs.control import RunTarget


@dataclass(frozen=True, kw_only=True)
class NodeFailure:
    """One job node whose last attempt did not succeed."""

    node: str
    job: str
    state: str
    reason: str | None  # the job's recorded reason, else Glue's ErrorMessage
    glue_error_message: str | None
    job_run_id: str
    log_groups: LogGroups | None = None  # AWS
    log_file: str | None = None  # local target
    console_url: str | None = None

    def lines(self) -> list[str]:
        """What a terminal shows under the node table."""
        head = f"{self.node} {self.state}" + (f": {self.reason}" if self.reason else "")
        out = [head]
        if self.log_groups is not None:
            groups = self.log_groups
            where = (
                f"log group {groups.output}"
                if groups.output == groups.error
                else f"log groups {groups.output} and {groups.error}"
            )
            out.append(f"  logs: {where}, stream {self.job_run_id}")
        if self.log_file is not None:
            out.append(f"  log: {self.log_file}")
        if self.console_url is not None:
            out.append(f"  console: {self.console_url}")
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "Node": self.node,
            "Job": self.job,
            "State": self.state,
            "Reason": self.reason,
            "GlueErrorMessage": self.glue_error_message,
            "JobRunId": self.job_run_id,
            "LogGroups": None if self.log_groups is None else self.log_groups.to_json(),
            "LogFile": self.log_file,
            "ConsoleUrl": self.console_url,
        }


def failed_rows(run: Mapping[str, Any]) -> list[NodeRow]:
    return [
        row
        for row in node_rows(run)
        if row.type == "JOB" and row.state in FAILED_STATES and row.job_run_id
    ]


def aws_failures(
    run: Mapping[str, Any], jobs: Mapping[str, Mapping[str, Any]], region: str
) -> list[NodeFailure]:
    """Failures on AWS; ``jobs``: GetJob ``Job`` answers by name (for the job type)."""
    arguments = _run_arguments(run)
    return [
        _failure(
            run,
            row,
            log_groups=log_groups(jobs.get(row.name), arguments.get(str(row.job_run_id))),
            console_url=job_run_console_url(region, row.name, str(row.job_run_id)),
        )
        if row.state not in NEVER_STARTED
        else _failure(run, row)
        for row in failed_rows(run)
    ]


def local_failures(run: Mapping[str, Any], log_file: Any) -> list[NodeFailure]:
    """Failures on the local target; ``log_file(job_run_id)`` is the job's log path."""
    failures = []
    for row in failed_rows(run):
        path = Path(log_file(str(row.job_run_id)))
        # a job run that never started (ERROR: its job was deleted) has no log
        failures.append(_failure(run, row, log_file=str(path) if path.is_file() else None))
    return failures


def _failure(run: Mapping[str, Any], row: NodeRow, **where: Any) -> NodeFailure:
    return NodeFailure(
        node=node_of_job(str(run.get("Name") or ""), row.name),
        job=row.name,
        state=str(row.state),
        reason=row.error_message,
        glue_error_message=row.glue_error_message,
        job_run_id=str(row.job_run_id),
        **where,
    )


def _run_arguments(run: Mapping[str, Any]) -> dict[str, Mapping[str, str]]:
    found: dict[str, Mapping[str, str]] = {}
    for node in (run.get("Graph") or {}).get("Nodes") or []:
        for job_run in (node.get("JobDetails") or {}).get("JobRuns") or []:
            found[str(job_run.get("Id"))] = job_run.get("Arguments") or {}
    return found


def run_failures(target: RunTarget, run: Mapping[str, Any]) -> list[NodeFailure]:
    """The failed nodes of ``run`` on ``target``'s side (one BatchGetJobs call on AWS)."""
    rows = failed_rows(run)
    if not rows:
        return []
    if target.settings.is_local:
        from glue_workflow.local.glue.logs import job_log_path

        home = target.settings.home
        return local_failures(run, lambda job_run_id: job_log_path(home, job_run_id))
    jobs = target.glue.jobs(sorted({row.name for row in rows}))
    return aws_failures(run, jobs, target.settings.region)


def failures_json(failures: Sequence[NodeFailure]) -> list[dict[str, Any]]:
    return [f.to_json() for f in failures]

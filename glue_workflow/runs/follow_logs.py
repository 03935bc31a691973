"""``glue-wf logs RUN NODE --follow``: print a job's log as it is written, until the
node's job run ends (the local log file, or CloudWatch Logs on AWS)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_workflow.runs.control import LogLocation, RunTarget, log_location
from glue_workflow.runs.run_nodes import node_rows

ENDED = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"})
Write = Callable[[bytes], None]


RETRIED = "RETRIED"  # a later attempt replaced the job run (it failed): its log is complete


def job_state(target: RunTarget, run_id: str, job_run_id: str) -> str:
    """``job_run_id``'s state, or RETRIED once a later attempt replaced it."""
    run = target.glue.run(target.workflow, run_id)
    for row in node_rows(run):
        if row.type == "JOB" and row.job_run_id == job_run_id:
            return row.state or "STARTING"
    return RETRIED


def follow_file(path: Path, ended: Callable[[], bool], write: Write, *, poll: float = 0.5) -> None:
    offset = 0
    while True:
        finished = ended()  # read before the file: nothing written after it is missed
        if path.is_file():
            with path.open("rb") as handle:
                handle.seek(offset)
                while chunk := handle.read(65536):
                    write(chunk)
                    offset += len(chunk)
        if finished:
            return
        time.sleep(poll)


def follow_cloudwatch(
    logs: Any,
    group: str,
    stream: str,
    ended: Callable[[], bool],
    write: Write,
    *,
    poll: float = 5.0,
) -> None:
    """GetLogEvents from the head of the job run's output stream, forward, until it ended.

    GetLogEvents returns the same nextForwardToken at the end of the stream
    (CloudWatch Logs API Reference, GetLogEvents); a missing stream is
    ResourceNotFoundException until the job writes its first line.
    """
    token: str | None = None
    while True:
        finished = ended()
        while True:
            request: dict[str, Any] = {
                "logGroupName": group,
                "logStreamName": stream,
                "startFromHead": True,
            }
            if token:
                request["nextToken"] = token
            try:
                page = logs.get_log_events(**request)
            except logs.exceptions.ResourceNotFoundException:
                break
            for event in page.get("events", []):
                write(str(event.get("message", "")).rstrip("\n").encode() + b"\n")
            if page.get("nextForwardToken") in (None, token):
                break
            token = page["nextForwardToken"]
        if finished:
            return
        time.sleep(poll)


def follow(target: RunTarget, run_id: str, node: str, write: Write) -> tuple[LogLocation, str]:
    """Write the node's job log until its job run ends; where it is and how it ended."""
    location = log_location(target, run_id, node)
    state = [""]  # the last one read

    def ended() -> bool:
        state[0] = job_state(target, run_id, location.job_run_id)
        return state[0] in ENDED or state[0] == RETRIED

    if location.path is not None:
        follow_file(location.path, ended, write)
    else:
        from glue_workflow.aws import clients

        logs = clients.client(target.settings, "logs")
        group = f"{location.log_group or '/aws-glue/jobs'}/output"
        follow_cloudwatch(logs, group, location.job_run_id, ended, write)
    return location, state[0]

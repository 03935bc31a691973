"""``glue-wf logs RUN NODE --follow``: print a job's log as it is written, until the
node's job run ends (the local log file, or CloudWatch Logs on AWS)."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from glue_workflow.runs.control import LogLocation, NodeNotStarted, RunTarget, log_location
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
    groups: list[str],
    stream: str,
    ended: Callable[[], bool],
    write: Write,
    *,
    poll: float = 5.0,
) -> None:
    """GetLogEvents from the head of the job run's streams in ``groups`` (its output and
    error groups: a job's failure reason and traceback are on stderr), forward, until it
    ended; each poll's new events in time order.

    GetLogEvents returns the same nextForwardToken at the end of the stream
    (CloudWatch Logs API Reference, GetLogEvents); a missing stream is
    ResourceNotFoundException until the job writes its first line.
    """
    tokens: dict[str, str | None] = dict.fromkeys(groups)
    while True:
        finished = ended()
        fresh: list[tuple[int, int, str]] = []
        for order, group in enumerate(groups):
            while True:
                request: dict[str, Any] = {
                    "logGroupName": group,
                    "logStreamName": stream,
                    "startFromHead": True,
                }
                token = tokens[group]
                if token:
                    request["nextToken"] = token
                try:
                    page = logs.get_log_events(**request)
                except logs.exceptions.ResourceNotFoundException:
                    break
                fresh += [
                    (int(e.get("timestamp") or 0), order, str(e.get("message", "")))
                    for e in page.get("events", [])
                ]
                if page.get("nextForwardToken") in (None, token):
                    break
                tokens[group] = page["nextForwardToken"]
        for _, _, message in sorted(fresh, key=lambda item: (item[0], item[1])):
            write(message.rstrip("\n").encode() + b"\n")
        if finished:
            return
        time.sleep(poll)


def located(target: RunTarget, run_id: str, node: str, *, poll: float) -> LogLocation:
    """Where the node's job run logs, once it started: a node the run has not reached
    yet is waited for while the run goes on (it runs later)."""
    while True:
        try:
            return log_location(target, run_id, node)
        except NodeNotStarted:
            run = target.glue.run(target.workflow, run_id)
            if run.get("Status") not in ("RUNNING", "STOPPING"):
                raise
        time.sleep(poll)


def follow(target: RunTarget, run_id: str, node: str, write: Write) -> tuple[LogLocation, str]:
    """Write the node's job log until its job run ends; where it is and how it ended."""
    location = located(target, run_id, node, poll=0.5 if target.settings.is_local else 5.0)
    state = [""]  # the last one read

    def ended() -> bool:
        state[0] = job_state(target, run_id, location.job_run_id)
        return state[0] in ENDED or state[0] == RETRIED

    if location.path is not None:
        follow_file(location.path, ended, write)
    else:
        from glue_workflow.aws import clients

        logs = clients.client(target.settings, "logs")
        base = location.log_group or "/aws-glue/jobs"
        groups = [f"{base}/output", f"{base}/error"]
        follow_cloudwatch(logs, groups, location.job_run_id, ended, write)
    return location, state[0]

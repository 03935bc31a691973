"""Which log files stand for which CloudWatch log group and stream.

Glue and SageMaker write to fixed log groups on AWS; locally each job run, training
job, processing job and endpoint deployment has one log file (stdout and stderr
together). They map as:

    /aws-glue/jobs/output          <JobRunId>                   Spark (glueetl) job runs
    /aws-glue/python-jobs/output   <JobRunId>                   Python shell job runs
    /aws/sagemaker/TrainingJobs    <job name>/algo-1-<epoch s>  training jobs
    /aws/sagemaker/ProcessingJobs  <job name>/algo-1-<epoch s>  processing jobs
    /aws/sagemaker/Endpoints/<endpoint>  <variant>/<deployment> endpoint servers

Lines carry no time of their own locally: every event of a stream has the stream's
creation time (the run's start). A constant timestamp keeps "start from the last
timestamp and skip the events already seen" readers (the SageMaker SDK's log
follower) exact while the file grows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from glue_workflow.local.store import LocalHome

GLUE_GROUPS = {
    "/aws-glue/jobs/output": "glueetl",
    "/aws-glue/python-jobs/output": "pythonshell",
}
# Glue's other groups: stderr goes to the output group's file locally (merged streams)
MERGED_GROUPS = {
    "/aws-glue/jobs/error": "/aws-glue/jobs/output",
    "/aws-glue/python-jobs/error": "/aws-glue/python-jobs/output",
}
TRAINING_GROUP = "/aws/sagemaker/TrainingJobs"
PROCESSING_GROUP = "/aws/sagemaker/ProcessingJobs"
ENDPOINT_GROUP_PREFIX = "/aws/sagemaker/Endpoints/"
_SAGEMAKER_JOBS = {
    TRAINING_GROUP: ("training-job", "TrainingJobName"),
    PROCESSING_GROUP: ("processing-job", "ProcessingJobName"),
}


@dataclass(frozen=True, kw_only=True)
class Stream:
    group: str
    name: str
    path: Path
    created_ms: int  # every event of the stream carries this timestamp

    def lines(self) -> list[str]:
        try:
            text = self.path.read_bytes().decode(errors="replace")
        except OSError:
            return []
        return text.splitlines()

    def stat(self) -> tuple[int, int]:
        """(last write in ms, size in bytes)."""
        try:
            st = self.path.stat()
        except OSError:
            return self.created_ms, 0
        return int(st.st_mtime * 1000), st.st_size


def known_groups(home: LocalHome) -> list[str]:
    """Every log group that has at least one stream, sorted by name."""
    groups = [g for g in (*GLUE_GROUPS, TRAINING_GROUP, PROCESSING_GROUP) if streams_of(home, g)]
    endpoints = home.logs_dir / "sagemaker" / "Endpoints"
    if endpoints.is_dir():
        # a folder is a group when it holds an endpoint's streams (not the spare servers')
        groups += [
            ENDPOINT_GROUP_PREFIX + d.name
            for d in endpoints.iterdir()
            if d.is_dir() and streams_of(home, ENDPOINT_GROUP_PREFIX + d.name)
        ]
    return sorted(groups)


def streams_of(home: LocalHome, group: str) -> list[Stream]:
    """The streams of ``group`` whose log file exists, sorted by name."""
    if group in GLUE_GROUPS:
        found = list(_glue_streams(home, group))
    elif group in _SAGEMAKER_JOBS:
        found = list(_sagemaker_job_streams(home, group))
    elif group.startswith(ENDPOINT_GROUP_PREFIX):
        found = list(_endpoint_streams(home, group))
    else:
        found = []
    return sorted((s for s in found if s.path.is_file()), key=lambda s: s.name)


def _ms(value: float | datetime) -> int:
    return int((value.timestamp() if isinstance(value, datetime) else value) * 1000)


def _glue_streams(home: LocalHome, group: str) -> Iterator[Stream]:
    from glue_workflow.local.glue.logs import job_log_path
    from glue_workflow.local.glue.state import GlueState

    state = GlueState(home)
    commands = {
        str(job["Name"]): (job.get("Command") or {}).get("Name")
        for job in state.all_docs("glue_jobs")
    }
    rows = state.conn.execute("SELECT id, job, started FROM glue_job_runs").fetchall()
    for row in rows:
        # a run whose job was deleted since has no known type: it is in neither group
        if commands.get(row["job"]) == GLUE_GROUPS[group]:
            yield Stream(
                group=group,
                name=row["id"],
                path=job_log_path(home.root, row["id"]),
                created_ms=_ms(row["started"]),
            )


def _sagemaker_job_streams(home: LocalHome, group: str) -> Iterator[Stream]:
    from glue_workflow.local.sagemaker.common import Resources

    kind, name_key = _SAGEMAKER_JOBS[group]
    for record in Resources(home).all(kind):
        created: datetime = record["CreationTime"]
        yield Stream(
            group=group,
            # SageMaker names a job's streams <job name>/algo-<host>-<epoch seconds>
            name=f"{record[name_key]}/algo-1-{int(created.timestamp())}",
            path=Path(record["_log"]),
            created_ms=_ms(created),
        )


def _endpoint_streams(home: LocalHome, group: str) -> Iterator[Stream]:
    from glue_workflow.local.sagemaker.common import Resources

    endpoint = group.removeprefix(ENDPOINT_GROUP_PREFIX)
    folder = home.logs_dir / "sagemaker" / "Endpoints" / endpoint
    if not endpoint or "/" in endpoint or not folder.is_dir():
        return
    record: dict[str, Any] = Resources(home).get("endpoint", endpoint.lower()) or {}
    variants = record.get("ProductionVariants") or [{}]
    variant = str(variants[0].get("VariantName") or "AllTraffic")
    for path in folder.glob("*.log"):
        deployment = path.stem  # <local time %Y%m%dT%H%M%S>-<hex>, see sagemaker.endpoints
        try:
            started = time.mktime(time.strptime(deployment.split("-", 1)[0], "%Y%m%dT%H%M%S"))
        except ValueError:
            continue
        yield Stream(
            group=group, name=f"{variant}/{deployment}", path=path, created_ms=_ms(started)
        )

"""The Glue calls run control makes: typed, retried, errors translated to RunError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.aws.errors import ResourceNotFound, error_code
from glue_workflow.aws.paginate import items
from glue_workflow.aws.retry import RetryPolicy, request
from glue_workflow.errors import NotFoundError, RunError


class ConcurrentRunsExceeded(RunError):
    """StartWorkflowRun refused: the workflow already runs its MaxConcurrentRuns runs."""


def not_deployed(name: str, target: str) -> NotFoundError:
    return NotFoundError(
        f"workflow {name!r} is not deployed on target {target}: run "
        f"'glue-wf deploy --target {target}' first"
    )


def no_such_run(name: str, run_id: str) -> NotFoundError:
    return NotFoundError(f"no run {run_id!r} of workflow {name!r}: list runs with 'glue-wf runs'")


def aws_code(exc: BaseException) -> str | None:
    """The AWS error code behind a translated error (its ClientError cause), if any."""
    cause = exc.__cause__
    return error_code(cause) if isinstance(cause, ClientError) else None


@dataclass(frozen=True, kw_only=True)
class GlueRunsApi:
    client: Any = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def _call(self, operation: str, hint: str = "", **params: Any) -> dict[str, Any]:
        return request(
            self.client, operation, policy=self.policy, base=RunError, hint=hint, **params
        )

    def workflow(self, name: str, target: str) -> dict[str, Any]:
        try:
            found: dict[str, Any] = self._call("GetWorkflow", Name=name)["Workflow"]
        except ResourceNotFound as exc:
            raise not_deployed(name, target) from exc
        return found

    def start(self, name: str, properties: Mapping[str, str]) -> str:
        params: dict[str, Any] = {"Name": name}
        if properties:
            params["RunProperties"] = dict(properties)
        try:
            return str(self._call("StartWorkflowRun", **params)["RunId"])
        except RunError as exc:
            if aws_code(exc) == "ConcurrentRunsExceededException":
                raise ConcurrentRunsExceeded(str(exc)) from exc
            raise

    def run(self, name: str, run_id: str) -> dict[str, Any]:
        try:
            found: dict[str, Any] = self._call(
                "GetWorkflowRun", Name=name, RunId=run_id, IncludeGraph=True
            )["Run"]
        except ResourceNotFound as exc:
            raise no_such_run(name, run_id) from exc
        return found

    def runs(self, name: str, limit: int, *, graph: bool = True) -> list[dict[str, Any]]:
        """Up to ``limit`` runs, newest first."""
        found: list[dict[str, Any]] = items(
            self.client,
            "get_workflow_runs",
            "Runs",
            limit=limit,
            policy=self.policy,
            base=RunError,
            Name=name,
            IncludeGraph=graph,
            MaxResults=min(1000, max(limit, 1)),
        )
        epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
        found.sort(key=lambda r: r.get("StartedOn") or epoch, reverse=True)
        return found[:limit]

    def resume(self, name: str, run_id: str, node_ids: Sequence[str]) -> tuple[str, list[str]]:
        try:
            answer = self._call(
                "ResumeWorkflowRun", Name=name, RunId=run_id, NodeIds=list(node_ids)
            )
        except RunError as exc:  # a resumed run counts against MaxConcurrentRuns too
            if aws_code(exc) == "ConcurrentRunsExceededException":
                raise ConcurrentRunsExceeded(str(exc)) from exc
            raise
        return str(answer["RunId"]), list(answer.get("NodeIds") or [])

    def jobs(self, names: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The definitions of the named jobs (BatchGetJobs); missing ones are left out."""
        if not names:
            return {}
        answer = self._call("BatchGetJobs", JobNames=sorted(set(names)))
        return {str(job["Name"]): dict(job) for job in answer.get("Jobs") or []}

    def stop(self, name: str, run_id: str) -> None:
        try:
            self._call("StopWorkflowRun", Name=name, RunId=run_id)
        except ResourceNotFound as exc:
            raise no_such_run(name, run_id) from exc

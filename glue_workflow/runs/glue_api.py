"""The Glue calls run control makes: typed, retried, errors translated to RunError."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.deploy.awscall import ResourceNotFound, RetryPolicy, call, error_code
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
        method = getattr(self.client, _snake(operation))
        result: dict[str, Any] = call(
            f"glue:{operation}",
            lambda: method(**params),
            policy=self.policy,
            base=RunError,
            hint=hint,
        )
        return result

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
        found: list[dict[str, Any]] = []
        token: str | None = None
        while len(found) < limit:
            params: dict[str, Any] = {
                "Name": name,
                "IncludeGraph": graph,
                "MaxResults": min(1000, max(limit, 1)),
            }
            if token:
                params["NextToken"] = token
            page = self._call("GetWorkflowRuns", **params)
            found.extend(page.get("Runs") or [])
            token = page.get("NextToken")
            if not token:
                break
        epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
        found.sort(key=lambda r: r.get("StartedOn") or epoch, reverse=True)
        return found[:limit]

    def resume(self, name: str, run_id: str, node_ids: Sequence[str]) -> tuple[str, list[str]]:
        answer = self._call("ResumeWorkflowRun", Name=name, RunId=run_id, NodeIds=list(node_ids))
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


def _snake(operation: str) -> str:
    return "".join(
        f"_{c.lower()}" if c.isupper() and i else c.lower() for i, c in enumerate(operation)
    )

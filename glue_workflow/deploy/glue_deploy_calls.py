"""The Glue calls deploy makes: typed, batched, retried, errors translated.

Reads are batched (``BatchGetJobs`` / ``BatchGetTriggers`` in chunks of
``BATCH_SIZE``; ownership from one ``ListJobs`` / ``ListTriggers`` filtered by the
owner tag) so a plan costs a handful of calls however many nodes there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.aws.paginate import items
from glue_workflow.aws.retry import RetryPolicy, request
from glue_workflow.errors import GlueWfError

# BatchGetJobs/BatchGetTriggers document no maximum; 25 is BatchGetWorkflows' limit
# and keeps each response small.
BATCH_SIZE = 25

JOB_UPDATE_FIELDS = (
    "JobMode",
    "JobRunQueuingEnabled",
    "Description",
    "LogUri",
    "Role",
    "ExecutionProperty",
    "Command",
    "DefaultArguments",
    "NonOverridableArguments",
    "Connections",
    "MaxRetries",
    "AllocatedCapacity",
    "Timeout",
    "MaxCapacity",
    "WorkerType",
    "NumberOfWorkers",
    "SecurityConfiguration",
    "NotificationProperty",
    "GlueVersion",
    "CodeGenConfigurationNodes",
    "ExecutionClass",
    "SourceControlDetails",
    "MaintenanceWindow",
)
TRIGGER_UPDATE_FIELDS = (
    "Description",
    "Schedule",
    "Actions",
    "Predicate",
    "EventBatchingCondition",
)
WORKFLOW_UPDATE_FIELDS = ("Description", "DefaultRunProperties", "MaxConcurrentRuns")


def chunks(names: Iterable[str], size: int = BATCH_SIZE) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass(frozen=True, kw_only=True)
class GlueDeployApi:
    """Workflow, job and trigger CRUD on one Glue client."""

    client: Any = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        return request(self.client, operation, policy=self.policy, **params)

    # -- reads -------------------------------------------------------------------------

    def get_workflow(self, name: str) -> dict[str, Any] | None:
        try:
            workflow: dict[str, Any] = self._call("GetWorkflow", Name=name)["Workflow"]
        except ResourceNotFound:
            return None
        return workflow

    def get_tags(self, arn: str) -> dict[str, str]:
        tags: dict[str, str] = self._call("GetTags", ResourceArn=arn).get("Tags") or {}
        return tags

    def list_tagged_jobs(self, tags: Mapping[str, str]) -> list[str]:
        return self._list("ListJobs", "JobNames", dict(tags))

    def list_tagged_triggers(self, tags: Mapping[str, str]) -> list[str]:
        return self._list("ListTriggers", "TriggerNames", dict(tags))

    def _list(self, operation: str, key: str, tags: dict[str, str]) -> list[str]:
        names = items(self.client, operation, key, policy=self.policy, Tags=tags)
        return sorted(set(names))

    def batch_get_jobs(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for batch in chunks(sorted(set(names))):
            for job in self._call("BatchGetJobs", JobNames=batch).get("Jobs") or []:
                found[job["Name"]] = job
        return found

    def batch_get_triggers(self, names: Iterable[str]) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for batch in chunks(sorted(set(names))):
            for trigger in self._call("BatchGetTriggers", TriggerNames=batch).get("Triggers") or []:
                found[trigger["Name"]] = trigger
        return found

    def get_trigger(self, name: str) -> dict[str, Any]:
        trigger: dict[str, Any] = self._call("GetTrigger", Name=name)["Trigger"]
        return trigger

    # -- writes ------------------------------------------------------------------------

    def create_workflow(self, request: Mapping[str, Any]) -> None:
        self._call("CreateWorkflow", **request)

    def update_workflow(self, request: Mapping[str, Any]) -> None:
        params = {k: request[k] for k in WORKFLOW_UPDATE_FIELDS if k in request}
        self._call("UpdateWorkflow", Name=request["Name"], **params)

    def delete_workflow(self, name: str) -> None:
        self._call("DeleteWorkflow", Name=name)

    def stop_run(self, name: str, run_id: str) -> None:
        """StopWorkflowRun; a run that ended meanwhile (IllegalWorkflowStateException:
        "Workflow run is not in running state") needs nothing."""
        try:
            self._call("StopWorkflowRun", Name=name, RunId=run_id)
        except GlueWfError as exc:
            if "IllegalWorkflowStateException" not in str(exc):
                raise

    def create_job(self, request: Mapping[str, Any]) -> None:
        self._call("CreateJob", **request)

    def update_job(self, request: Mapping[str, Any]) -> None:
        # UpdateJob overwrites the whole definition: always send all of it.
        update = {k: request[k] for k in JOB_UPDATE_FIELDS if k in request}
        self._call("UpdateJob", JobName=request["Name"], JobUpdate=update)

    def delete_job(self, name: str) -> None:
        self._call("DeleteJob", JobName=name)

    def create_trigger(self, request: Mapping[str, Any]) -> None:
        self._call("CreateTrigger", **request)

    def update_trigger(self, request: Mapping[str, Any]) -> None:
        update = {k: request[k] for k in TRIGGER_UPDATE_FIELDS if k in request}
        self._call(
            "UpdateTrigger", Name=request["Name"], TriggerUpdate={"Name": request["Name"], **update}
        )

    def delete_trigger(self, name: str) -> None:
        self._call("DeleteTrigger", Name=name)

    def tag_resource(self, arn: str, add: Mapping[str, str], remove: Iterable[str]) -> None:
        """TagResource with the added/changed keys, UntagResource with the removed ones
        (Glue's UpdateJob/UpdateTrigger/UpdateWorkflow carry no tags)."""
        if add:
            self._call("TagResource", ResourceArn=arn, TagsToAdd=dict(add))
        keys = list(remove)
        if keys:
            self._call("UntagResource", ResourceArn=arn, TagsToRemove=keys)

    def start_trigger(self, name: str) -> None:
        self._call("StartTrigger", Name=name)

    def stop_trigger(self, name: str) -> None:
        self._call("StopTrigger", Name=name)

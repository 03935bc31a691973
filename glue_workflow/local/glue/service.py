"""Glue answered by the local target: definitions CRUD, runs, and the workflow engine.

Every operation not listed here fails with ``NotSupportedLocally``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from glue_workflow.local.dispatch import not_supported
from glue_workflow.local.glue.bookmarks import Bookmarks
from glue_workflow.local.glue.eventstart import EventStarts
from glue_workflow.local.glue.resources import Resources
from glue_workflow.local.glue.runs import Runs
from glue_workflow.local.glue.state import GlueState
from glue_workflow.local.store import LocalHome

Handler = Callable[[dict[str, Any]], dict[str, Any]]


class GlueService:
    """The local Glue (``LocalService`` for botocore's ``glue`` client)."""

    def __init__(self, home: LocalHome) -> None:
        self.state = GlueState(home)
        self.resources = Resources(self.state)
        self.runs = Runs(self.state, self.resources)
        self.events = EventStarts(self.state, self.runs.start_event_run)
        r, runs = self.resources, self.runs
        bookmarks = Bookmarks(home.root, r)
        self._ops: dict[str, Handler] = {
            "CreateWorkflow": r.create_workflow,
            "GetWorkflow": runs.get_workflow,
            "UpdateWorkflow": r.update_workflow,
            "DeleteWorkflow": r.delete_workflow,
            "ListWorkflows": r.list_workflows,
            "BatchGetWorkflows": runs.batch_get_workflows,
            "CreateJob": r.create_job,
            "GetJob": r.get_job,
            "UpdateJob": r.update_job,
            "DeleteJob": r.delete_job,
            "ListJobs": r.list_jobs,
            "GetJobs": r.get_jobs,
            "BatchGetJobs": r.batch_get_jobs,
            "CreateTrigger": r.create_trigger,
            "GetTrigger": lambda p: {"Trigger": r.trigger(str(p["Name"]))},
            "UpdateTrigger": r.update_trigger,
            "DeleteTrigger": r.delete_trigger,
            "ListTriggers": r.list_triggers,
            "GetTriggers": r.get_triggers,
            "BatchGetTriggers": r.batch_get_triggers,
            "StartTrigger": runs.start_trigger,
            "StopTrigger": runs.stop_trigger,
            "GetTags": r.get_tags,
            "TagResource": r.tag_resource,
            "UntagResource": r.untag_resource,
            "StartWorkflowRun": runs.start_workflow_run,
            "GetWorkflowRun": runs.get_workflow_run,
            "GetWorkflowRuns": runs.get_workflow_runs,
            "StopWorkflowRun": runs.stop_workflow_run,
            "ResumeWorkflowRun": runs.resume_workflow_run,
            "GetWorkflowRunProperties": runs.get_run_properties,
            "PutWorkflowRunProperties": runs.put_run_properties,
            "StartJobRun": runs.start_job_run,
            "GetJobRun": runs.get_job_run,
            "GetJobRuns": runs.get_job_runs,
            "BatchStopJobRun": runs.batch_stop_job_run,
            "GetJobBookmark": bookmarks.get,
            "ResetJobBookmark": bookmarks.reset,
        }

    def handle(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        op = self._ops.get(operation)
        if op is None:
            raise not_supported("glue", operation)
        return op(params)

"""Workflows and their runs, read and driven through the Glue API (the CLI's calls)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from glue_workflow.config import Settings
from glue_workflow.console.errors import ApiError, call, check_fields, listed
from glue_workflow.console.graph_layout import graph_view
from glue_workflow.runs import control, resume, run_ids
from glue_workflow.runs.cache_view import job_notes
from glue_workflow.runs.failure_report import NodeFailure, aws_failures, failed_rows, local_failures
from glue_workflow.runs.failures import log_groups
from glue_workflow.runs.glue_run_calls import GlueRunsApi
from glue_workflow.runs.status import RunStatus, run_status

# Glue names: 1-255 characters, no control characters (the API's single-line pattern).
_NAME = re.compile(r"[^\x00-\x1f\x7f]{1,255}")
# Job run ids go into a log file name: ids only (jr_<hex>, jr_<hex>_attempt_1).
_JOB_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,254}")
MAX_RUNS = 50
MAX_PROPERTIES = 100
MAX_LOG_BYTES = 256 * 1024


def check_id(value: str, what: str) -> str:
    """Reject names that no Glue resource can have, before any call."""
    if not _NAME.fullmatch(value):
        raise ApiError(
            404, f"no {what} {value!r}: Glue names are 1-255 characters without control characters"
        )
    return value


def check_job_run_id(value: str, job: str) -> str:
    if not _JOB_RUN_ID.fullmatch(value):
        raise ApiError(
            404, f"no run {value!r} of job {job!r}: job run ids are letters, digits, _ and -"
        )
    return value


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


FailureViews = list[dict[str, Any]]  # ("list" is a method name inside Workflows)


class Workflows:
    """The Glue half of the console API."""

    def __init__(
        self,
        glue: Any,
        *,
        settings: Settings,
        log_path: Callable[[str], Path] | None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._glue = glue
        self._settings = settings
        self._log_path = log_path  # the local target's job logs; None on AWS
        self._region = settings.region
        self._now = now

    @property
    def glue(self) -> Any:
        return self._glue

    @property
    def settings(self) -> Settings:
        return self._settings

    def now(self) -> datetime:
        return self._now()

    def _call(self, what: str, operation: str, **params: Any) -> dict[str, Any]:
        return call(self._glue, what, operation, **params)

    def run_target(self, name: str) -> control.RunTarget:
        """Run control of workflow ``name``: the calls and rules ``glue-wf`` uses."""
        check_id(name, "workflow")
        api = GlueRunsApi(client=self._glue)
        return control.RunTarget(settings=self._settings, workflow=name, glue=api)

    # --- reads -----------------------------------------------------------------------

    def list(self) -> dict[str, Any]:
        names: list[str] = listed(self._glue, "listing workflows", "list_workflows", "Workflows")
        items = []
        for name in sorted(names):
            try:
                workflow = self._call(f"workflow {name!r}", "get_workflow", Name=name)["Workflow"]
            except ApiError as exc:
                if exc.status == 404:
                    continue  # deleted since it was listed
                raise
            last = workflow.get("LastRun") or {}
            items.append(
                {
                    "name": name,
                    "description": workflow.get("Description"),
                    "created_on": _iso(workflow.get("CreatedOn")),
                    "last_modified_on": _iso(workflow.get("LastModifiedOn")),
                    "max_concurrent_runs": workflow.get("MaxConcurrentRuns"),
                    "last_run": self._last_run(name, last) if last else None,
                }
            )
        return {"workflows": items}

    def _last_run(self, name: str, last: Mapping[str, Any]) -> dict[str, Any]:
        run_id = last.get("WorkflowRunId")
        # COMPLETED is not success: judge the run on its graph, like the runs list.
        run = self._call(
            f"run {run_id!r} of workflow {name!r}",
            "get_workflow_run",
            Name=name,
            RunId=run_id,
            IncludeGraph=True,
        )["Run"]
        state = run_status(name, run)
        return {
            "run_id": run_id,
            "status": run.get("Status"),
            "verdict": state.label,
            "rejections": _rejections(state),
            "started_on": _iso(run.get("StartedOn")),
        }

    def get(self, name: str) -> dict[str, Any]:
        check_id(name, "workflow")
        workflow = self._call(
            f"no workflow {name!r}", "get_workflow", Name=name, IncludeGraph=True
        )["Workflow"]
        return {
            "name": workflow.get("Name", name),
            "description": workflow.get("Description"),
            "default_run_properties": dict(workflow.get("DefaultRunProperties") or {}),
            "max_concurrent_runs": workflow.get("MaxConcurrentRuns"),
            "created_on": _iso(workflow.get("CreatedOn")),
            "last_modified_on": _iso(workflow.get("LastModifiedOn")),
            "graph": graph_view(workflow.get("Graph"), workflow=name, with_runs=False),
        }

    def runs(self, name: str, limit: int = MAX_RUNS) -> dict[str, Any]:
        runs = control.history(self.run_target(name), limit)  # newest first, as glue-wf runs
        return {"workflow": name, "runs": [self._summary(r) for r in runs]}

    def _summary(self, run: Mapping[str, Any]) -> dict[str, Any]:
        state = run_status(str(run.get("Name") or ""), run)  # what glue-wf status says
        started, completed = run.get("StartedOn"), run.get("CompletedOn")
        end = completed if isinstance(completed, datetime) else self._now()
        duration = (
            round(max((end - started).total_seconds(), 0.0), 3)
            if isinstance(started, datetime)
            else None
        )
        return {
            "run_id": run.get("WorkflowRunId"),
            "previous_run_id": run.get("PreviousRunId"),
            "status": run.get("Status"),
            "verdict": state.label,
            "verdict_summary": state.summary,
            "rejections": _rejections(state),
            "started_on": _iso(started),
            "completed_on": _iso(completed),
            "duration_seconds": duration,
            "error": run.get("ErrorMessage"),
            "statistics": dict(run.get("Statistics") or {}),
            "run_properties": dict(run.get("WorkflowRunProperties") or {}),
        }

    def resolve(self, name: str, run_id: str) -> str:
        """A full run id, a unique prefix (with or without ``wr_``) or ``latest``, as the
        CLI's RUN_ID (``runs.run_ids``): the console's URLs take what the CLI prints."""
        check_id(run_id, f"run of workflow {name!r}")
        target = self.run_target(name)
        target.glue.workflow(name, self._settings.target)  # a missing workflow says so
        return run_ids.resolve_run_id(target, run_id)

    def _get_run(self, name: str, run_id: str) -> dict[str, Any]:
        return self.run_target(name).glue.run(name, self.resolve(name, run_id))

    def run(self, name: str, run_id: str) -> dict[str, Any]:
        raw = self._get_run(name, run_id)
        run_id = str(raw.get("WorkflowRunId") or run_id)
        properties = self._call(
            f"run properties of {run_id!r}",
            "get_workflow_run_properties",
            Name=name,
            RunId=run_id,
        ).get("RunProperties", {})
        # Jobs put properties while the run goes on: judge with the fresh ones.
        fresh = {**raw, "WorkflowRunProperties": dict(properties)}
        view = self._summary(fresh)
        state = run_status(name, fresh)
        view["workflow"] = name
        view["graph"] = graph_view(
            raw.get("Graph"),
            workflow=name,
            with_runs=True,
            now=self._now(),
            fired_triggers=[
                r.name for r in state.nodes if r.type == "TRIGGER" and r.state == "FIRED"
            ],
        )
        view["failures"] = self._failures(fresh, view["graph"])
        notes = job_notes(fresh, name)  # step cache: "cached (from run X)" / "ran: why"
        for node in view["graph"].get("nodes") or []:
            if node.get("name") in notes:
                node["cache"] = notes[node["name"]]
        view["resumable_node_ids"] = [row.unique_id for row in state.resume_candidates]
        view["live"] = state.live
        return view

    def job_log(
        self, job_name: str, job_run_id: str, *, tail: int = MAX_LOG_BYTES
    ) -> dict[str, Any]:
        check_id(job_name, "job")
        check_job_run_id(job_run_id, job_name)
        job_run = self._call(
            f"no run {job_run_id!r} of job {job_name!r}",
            "get_job_run",
            JobName=job_name,
            RunId=job_run_id,
        )["JobRun"]
        if self._log_path is None:
            job = self._call(f"no job {job_name!r}", "get_job", JobName=job_name)["Job"]
            groups = log_groups(job, job_run.get("Arguments"))
            raise ApiError(
                501,
                f"job run logs are shown for the local target only; on AWS read log groups "
                f"{groups.output} and {groups.error}, stream {job_run_id}, in CloudWatch Logs",
            )
        path = self._log_path(job_run_id)
        if not path.is_file():
            raise ApiError(
                404,
                f"no log yet for job run {job_run_id} of job {job_name!r} "
                f"(state {job_run.get('JobRunState')})",
            )
        tail = max(1, min(tail, MAX_LOG_BYTES))
        size = path.stat().st_size
        with path.open("rb") as handle:
            handle.seek(max(size - tail, 0))
            data = handle.read(tail)
        return {
            "job_name": job_name,
            "job_run_id": job_run_id,
            "state": job_run.get("JobRunState"),
            "attempt": job_run.get("Attempt", 0),
            "error": job_run.get("ErrorMessage"),
            "size": size,
            "truncated": size > tail,
            "text": data.decode("utf-8", errors="replace"),
        }

    def _failures(self, run: Mapping[str, Any], graph: Mapping[str, Any]) -> FailureViews:
        """The failed job nodes with the reason status shows, their logs and console page.

        Each one also goes on its graph node (``failure``), and its reason replaces the
        failed last attempt's ``error`` (Glue's, kept as ``glue_error``).
        """
        rows = failed_rows(run)
        if not rows:
            return []
        if self._log_path is not None:
            failures = local_failures(run, self._log_path)
        else:
            names = sorted({row.name for row in rows})
            answer = self._call("jobs of the run", "batch_get_jobs", JobNames=names)
            jobs = {str(j["Name"]): j for j in answer.get("Jobs") or []}
            failures = aws_failures(run, jobs, self._region)
        items = [_failure_view(f) for f in failures]
        by_job = {f.job: item for f, item in zip(failures, items, strict=True)}
        for node in graph.get("nodes") or []:
            item = by_job.get(str(node.get("name")))
            if item is None:
                continue
            node["failure"] = item
            last = next(
                (r for r in node.get("runs") or [] if r.get("id") == item["job_run_id"]), None
            )
            if last is not None:
                last["glue_error"], last["error"] = last.get("error"), item["reason"]
        return items

    def job(self, name: str) -> dict[str, Any]:
        check_id(name, "job")
        job = self._call(f"no job {name!r}", "get_job", JobName=name)["Job"]
        command = job.get("Command") or {}
        return {
            "name": name,
            "description": job.get("Description"),
            "command": command.get("Name"),
            "python_version": command.get("PythonVersion"),
            "script_location": command.get("ScriptLocation"),
            "glue_version": job.get("GlueVersion"),
            "max_capacity": job.get("MaxCapacity"),
            "worker_type": job.get("WorkerType"),
            "number_of_workers": job.get("NumberOfWorkers"),
            "timeout_minutes": job.get("Timeout"),
            "max_retries": job.get("MaxRetries", 0),
            "max_concurrent_runs": (job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns"),
            "default_arguments": dict(job.get("DefaultArguments") or {}),
            "last_modified_on": _iso(job.get("LastModifiedOn")),
        }

    # --- actions ---------------------------------------------------------------------

    def start(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, ("run_properties",))
        properties = _string_map(body.get("run_properties", {}), "run_properties")
        control.refuse_reserved(properties)
        run_id, warnings = control.start(self.run_target(name), properties)
        return {"workflow": name, "run_id": run_id, "warnings": warnings}

    def stop(self, name: str, run_id: str) -> dict[str, Any]:
        run_id = self.resolve(name, run_id)
        control.stop(self.run_target(name), run_id)
        return {"workflow": name, "run_id": run_id, "status": "STOPPING"}

    def resume(self, name: str, run_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_fields(body, ("node_ids",))
        run_id = self.resolve(name, run_id)
        requested = body.get("node_ids")
        if requested is not None and (
            not isinstance(requested, list)
            or not requested
            or not all(isinstance(i, str) for i in requested)
        ):
            raise ApiError(
                400, "node_ids must be a non-empty list of job node ids (graph UniqueId)"
            )
        resumed = resume.resume(self.run_target(name), run_id, requested or [])
        return {
            "workflow": name,
            "previous_run_id": run_id,
            "run_id": resumed.run_id,
            "node_ids": list(resumed.restarted_ids or resumed.selected_ids),
        }


def _rejections(state: RunStatus) -> list[dict[str, str]]:
    return [{"gate": r.gate, "reason": r.reason} for r in state.verdict.rejections]


def _string_map(value: Any, field: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ApiError(400, f"{field} must be a JSON object of string values")
    if len(value) > MAX_PROPERTIES:
        raise ApiError(400, f"{field} has {len(value)} entries; at most {MAX_PROPERTIES}")
    for key, item in value.items():
        if not key or len(key) > 255:
            raise ApiError(400, f"{field}: keys are 1-255 characters, got {key!r}")
        if not isinstance(item, str):
            raise ApiError(400, f"{field}[{key!r}] must be a string, got {type(item).__name__}")
    return dict(value)


__all__ = ["Workflows", "check_id", "check_job_run_id"]


def _failure_view(failure: NodeFailure) -> dict[str, Any]:
    groups = failure.log_groups
    return {
        "node": failure.node,
        "job": failure.job,
        "state": failure.state,
        "reason": failure.reason,
        "glue_error": failure.glue_error_message,
        "job_run_id": failure.job_run_id,
        "log_groups": None if groups is None else {"output": groups.output, "error": groups.error},
        "log_file": failure.log_file,
        "console_url": failure.console_url,
    }

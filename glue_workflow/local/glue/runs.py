"""Workflow runs and job runs: start, read (with graph and statistics), stop, resume,
run properties. Runs are advanced by detached executor processes (see ``executor``)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from glue_workflow.glue_defaults import DEFAULT_TIMEOUT_MINUTES
from glue_workflow.local.glue.capacity import run_settings
from glue_workflow.local.glue.errors import (
    concurrent_runs,
    entity_not_found,
    illegal_state,
    invalid_input,
    not_supported_feature,
)
from glue_workflow.local.glue.procs import preflight, signal_process, spawn_executor
from glue_workflow.local.glue.recovery import new_job_run_id, new_run_id, reconcile
from glue_workflow.local.glue.resources import Resources, api_doc, page
from glue_workflow.local.glue.state import GlueState, JobRunRow, RunRow, now, to_datetime
from glue_workflow.local.glue.workflow_graph import (
    build_graph,
    downstream,
    jobs_of,
    node_id,
    start_triggers,
    triggers_watching,
)

_STAT_KEYS = {
    "SUCCEEDED": "SucceededActions",
    "FAILED": "FailedActions",
    "TIMEOUT": "TimeoutActions",
    "STOPPED": "StoppedActions",
    "ERROR": "ErroredActions",
    "STARTING": "RunningActions",
    "RUNNING": "RunningActions",
    "STOPPING": "RunningActions",
    "WAITING": "WaitingActions",
}


class Runs:
    def __init__(self, state: GlueState, resources: Resources) -> None:
        self.state = state
        self.resources = resources

    # -- reading -------------------------------------------------------------
    def _run(self, name: str, run_id: str) -> RunRow:
        run = self.state.run(run_id)
        if run is None or run.workflow != name:
            raise entity_not_found(f"Workflow run {run_id} not found for workflow {name}")
        return run

    def run_api(self, run: RunRow, include_graph: bool) -> dict[str, Any]:
        job_runs = self.state.job_runs_of_run(run.run_id)
        out: dict[str, Any] = {
            "Name": run.workflow,
            "WorkflowRunId": run.run_id,
            "WorkflowRunProperties": dict(run.properties),
            "StartedOn": to_datetime(run.started),
            "Status": run.status,
            "Statistics": _statistics(job_runs),
        }
        if run.previous_run_id:
            out["PreviousRunId"] = run.previous_run_id
        if run.completed is not None:
            out["CompletedOn"] = to_datetime(run.completed)
        if run.error:
            out["ErrorMessage"] = run.error
        if run.plan.get("event_batch"):  # started by an EVENT trigger (see eventstart)
            out["StartingEventBatchCondition"] = dict(run.plan["event_batch"])
        if include_graph:
            by_job: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for job_run in job_runs:
                by_job[job_run.job].append(job_run.to_api())
            out["Graph"] = build_graph(run.workflow, run.snapshot, by_job)
        return out

    def workflow_api(self, name: str, include_graph: bool) -> dict[str, Any]:
        doc = api_doc(self.resources.workflow(name))
        runs = self.state.runs_of(name)
        if runs:
            doc["LastRun"] = self.run_api(runs[0], False)
        if include_graph:
            doc["Graph"] = build_graph(name, self.state.triggers_of(name))
        return doc

    def get_workflow(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        return {"Workflow": self.workflow_api(str(p["Name"]), bool(p.get("IncludeGraph")))}

    def batch_get_workflows(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        found, missing = [], []
        for name in p["Names"]:
            if self.state.get_doc("glue_workflows", name) is None:
                missing.append(name)
            else:
                found.append(self.workflow_api(name, bool(p.get("IncludeGraph"))))
        return {"Workflows": found, "MissingWorkflows": missing}

    def get_workflow_run(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        run = self._run(str(p["Name"]), str(p["RunId"]))
        return {"Run": self.run_api(run, bool(p.get("IncludeGraph")))}

    def get_workflow_runs(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        name = str(p["Name"])
        self.resources.workflow(name)
        chunk, token = page(self.state.runs_of(name), p, 100)
        runs = [self.run_api(r, p.get("IncludeGraph", True) is True) for r in chunk]
        return {"Runs": runs, **({"NextToken": token} if token else {})}

    # -- starting ------------------------------------------------------------
    def _check_workflow_capacity(self, conn: Any, name: str, workflow: dict[str, Any]) -> None:
        limit = workflow.get("MaxConcurrentRuns")
        if not limit:
            return
        active = conn.execute(
            "SELECT COUNT(*) AS n FROM glue_runs WHERE workflow = ? AND status IN "
            "('RUNNING', 'STOPPING')",
            (name,),
        ).fetchone()["n"]
        if active >= int(limit):
            raise concurrent_runs(f"Concurrent runs exceeded for workflow: {name}")

    def start_workflow_run(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        name = str(p["Name"])
        workflow = self.resources.workflow(name)
        triggers = self.state.triggers_of(name)
        starts = start_triggers(triggers)
        if len(starts) != 1:
            found = ", ".join(t["Name"] for t in starts) or "none"
            raise invalid_input(
                f"Workflow {name} needs exactly one start trigger (ON_DEMAND, SCHEDULED or "
                f"EVENT) to run; found: {found}"
            )
        properties = {
            **(workflow.get("DefaultRunProperties") or {}),
            **(p.get("RunProperties") or {}),
        }
        run_id = new_run_id()
        plan = {"mode": "start", "trigger": starts[0]["Name"]}
        self._insert_run(name, workflow, run_id, properties, triggers, plan, None)
        return {"RunId": run_id}

    def start_event_run(self, name: str, properties: dict[str, str], plan: dict[str, Any]) -> str:
        """A run started by an EVENT trigger's batch (``eventstart``): its id."""
        reconcile(self.state)
        workflow = self.resources.workflow(name)
        run_id = new_run_id()
        self._insert_run(
            name, workflow, run_id, properties, self.state.triggers_of(name), plan, None
        )
        return run_id

    def _insert_run(  # noqa: PLR0917
        self,
        name: str,
        workflow: dict[str, Any],
        run_id: str,
        properties: dict[str, str],
        snapshot: list[dict[str, Any]],
        plan: dict[str, Any],
        previous: str | None,
        copies: list[str] | None = None,
        fired: set[str] | None = None,
    ) -> None:
        preflight()  # a bad setting: refused before anything is recorded
        with self.state.write() as conn:
            self._check_workflow_capacity(conn, name, workflow)
            ts = now()
            conn.execute(
                "INSERT INTO glue_runs (run_id, workflow, status, started, previous_run_id, "
                "properties, snapshot, plan) VALUES (?, ?, 'RUNNING', ?, ?, ?, ?, ?)",
                (
                    run_id,
                    name,
                    ts,
                    previous,
                    json.dumps(properties),
                    json.dumps(snapshot),
                    json.dumps(plan),
                ),
            )
            for job_run_id in copies or []:
                conn.execute("INSERT INTO glue_run_copies VALUES (?, ?)", (run_id, job_run_id))
            for trigger in fired or set():
                conn.execute(
                    "INSERT INTO glue_run_triggers VALUES (?, ?, ?)", (run_id, trigger, ts)
                )
        pid, start = spawn_executor(self.state.home.root, [run_id], run_id)
        with self.state.write() as conn:
            conn.execute(
                "UPDATE glue_runs SET executor_pid = COALESCE(executor_pid, ?), "
                "executor_start = COALESCE(executor_start, ?) WHERE run_id = ?",
                (pid, start, run_id),
            )

    # -- stop / resume -------------------------------------------------------
    def stop_workflow_run(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        run = self._run(str(p["Name"]), str(p["RunId"]))
        with self.state.write() as conn:
            changed = conn.execute(
                "UPDATE glue_runs SET status = 'STOPPING' WHERE run_id = ? AND status = 'RUNNING'",
                (run.run_id,),
            ).rowcount
        if not changed:
            current = self.state.run(run.run_id)
            raise illegal_state(
                f"Workflow run {run.run_id} of {run.workflow} is "
                f"{current.status if current else run.status}; only a RUNNING run can be stopped"
            )
        signal_process(run.executor_pid, run.executor_start)
        return {}

    def resume_workflow_run(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        name, run_id = str(p["Name"]), str(p["RunId"])
        run = self._run(name, run_id)
        if run.status != "COMPLETED":
            # As on AWS: only COMPLETED runs resume; a STOPPED run must be started again.
            raise illegal_state(
                f"Workflow run {run_id} is {run.status}; only a COMPLETED run can be resumed "
                "(start a new run instead)"
            )
        by_id = {node_id(name, "JOB", job): job for job in jobs_of(run.snapshot)}
        wanted = list(dict.fromkeys(p.get("NodeIds") or []))
        unknown = [n for n in wanted if n not in by_id]
        if unknown or not wanted:
            raise invalid_input(
                f"NodeIds {unknown or wanted} are not job nodes of workflow run {run_id}; use "
                "the UniqueId of JOB nodes from GetWorkflowRun(IncludeGraph=True)"
            )
        selected = [by_id[n] for n in wanted]
        # A selected job downstream of another selected job is dropped: it reruns when
        # its upstream does (glue-semantics.md §8); started at once too, it ran twice,
        # the first time on its upstream's old outputs.
        selected = [
            job
            for job in selected
            if job not in downstream(run.snapshot, [other for other in selected if other != job])
        ]
        rerun = downstream(run.snapshot, selected)
        old_runs = self.state.job_runs_of_run(run_id)
        last_by_job: dict[str, JobRunRow] = {}
        for job_run in old_runs:
            last_by_job[job_run.job] = job_run
        copies = [jr.id for jr in old_runs if jr.job not in rerun]
        fired = self.state.fired(run_id) - triggers_watching(run.snapshot, rerun)
        plan_jobs: dict[str, dict[str, Any]] = {}
        for job in selected:
            origin = last_by_job.get(job)
            trigger_name = origin.trigger if origin else None
            trigger = next((t for t in run.snapshot if t["Name"] == trigger_name), None) or next(
                (
                    t
                    for t in run.snapshot
                    if any(a.get("JobName") == job for a in t.get("Actions") or [])
                ),
                None,
            )
            action: dict[str, Any] = next(
                (a for a in (trigger or {}).get("Actions") or [] if a.get("JobName") == job), {}
            )
            plan_jobs[job] = {"trigger": trigger["Name"] if trigger else None, "action": action}
        workflow = self.resources.workflow(name)
        new_id = new_run_id()
        self._insert_run(
            name,
            workflow,
            new_id,
            dict(run.properties),
            run.snapshot,
            {"mode": "resume", "jobs": plan_jobs},
            run_id,
            copies,
            fired,
        )
        return {"RunId": new_id, "NodeIds": [node_id(name, "JOB", j) for j in sorted(rerun)]}

    # -- run properties ------------------------------------------------------
    def get_run_properties(self, p: dict[str, Any]) -> dict[str, Any]:
        run = self._run(str(p["Name"]), str(p["RunId"]))
        return {"RunProperties": dict(run.properties)}

    def put_run_properties(self, p: dict[str, Any]) -> dict[str, Any]:
        name, run_id = str(p["Name"]), str(p["RunId"])
        with self.state.write() as conn:
            run = self._run(name, run_id)
            merged = {**run.properties, **(p.get("RunProperties") or {})}
            conn.execute(
                "UPDATE glue_runs SET properties = ? WHERE run_id = ?", (json.dumps(merged), run_id)
            )
        return {}

    # -- job runs ------------------------------------------------------------
    def start_job_run(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        name = str(p["JobName"])
        job = self.resources.job(name)
        from glue_workflow.local.glue.jobproc import resolve_arguments

        if p.get("JobRunId"):
            raise not_supported_feature("StartJobRun with JobRunId (retrying a previous job run)")
        if p.get("JobRunQueuingEnabled"):
            raise not_supported_feature("Job run queuing (JobRunQueuingEnabled)")
        settings = run_settings(job, p)
        job_run_id = new_job_run_id()
        args = resolve_arguments(
            job, p.get("Arguments"), workflow=None, run_id=None, job_run_id=job_run_id
        )
        timeout = int(p.get("Timeout") or job.get("Timeout") or DEFAULT_TIMEOUT_MINUTES)
        preflight()  # a bad setting: refused before anything is recorded
        with self.state.write() as conn:
            limit = int((job.get("ExecutionProperty") or {}).get("MaxConcurrentRuns") or 1)
            if self.state.running_count(conn, name) >= limit:
                raise concurrent_runs(
                    f"Concurrent runs exceeded for job {name}: exceeded maximum allowed "
                    f"concurrent runs (ExecutionProperty.MaxConcurrentRuns = {limit})"
                )
            ts = now()
            # GetJobRun's Arguments are the run's own, not merged with the job's defaults
            # ("For this job run, they replace the default arguments set in the job
            # definition itself", StartJobRun API reference); the launch uses the merge
            doc = {**settings, "Arguments": dict(p.get("Arguments") or {})}
            conn.execute(
                "INSERT INTO glue_job_runs (id, job, run_id, trigger, attempt, state, started, "
                "modified, arguments, timeout, doc) VALUES (?, ?, NULL, ?, 0, 'STARTING', ?, ?, "
                "?, ?, ?)",
                (
                    job_run_id,
                    name,
                    p.get("_trigger"),
                    ts,
                    ts,
                    json.dumps(args),
                    timeout,
                    json.dumps(doc),
                ),
            )
        pid, start = spawn_executor(self.state.home.root, ["--job-run", job_run_id], job_run_id)
        with self.state.write() as conn:
            conn.execute(
                "UPDATE glue_job_runs SET executor_pid = COALESCE(executor_pid, ?), "
                "executor_start = COALESCE(executor_start, ?) WHERE id = ?",
                (pid, start, job_run_id),
            )
        return {"JobRunId": job_run_id}

    def get_job_run(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        row = self.state.job_run(str(p["RunId"]))
        if row is None or row.job != p["JobName"]:
            raise entity_not_found(f"Job run {p['RunId']} not found for job {p['JobName']}")
        return {"JobRun": row.to_api()}

    def get_job_runs(self, p: dict[str, Any]) -> dict[str, Any]:
        reconcile(self.state)
        name = str(p["JobName"])
        self.resources.job(name)
        chunk, token = page(self.state.job_runs_of_job(name), p, 100)
        return {"JobRuns": [r.to_api() for r in chunk], **({"NextToken": token} if token else {})}

    def batch_stop_job_run(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["JobName"])
        ok: list[dict[str, str]] = []
        errors: list[dict[str, Any]] = []
        for job_run_id in p["JobRunIds"]:
            row = self.state.job_run(job_run_id)
            with self.state.write() as conn:
                changed = conn.execute(
                    "UPDATE glue_job_runs SET state = 'STOPPING', modified = ? WHERE id = ? AND "
                    "job = ? AND state IN ('STARTING', 'RUNNING', 'WAITING')",
                    (now(), job_run_id, name),
                ).rowcount
            if not changed or row is None:
                errors.append(
                    {
                        "JobName": name,
                        "JobRunId": job_run_id,
                        "ErrorDetail": {
                            "ErrorCode": "InvalidInputException",
                            "ErrorMessage": f"Job run {job_run_id} of {name} is not running",
                        },
                    }
                )
                continue
            ok.append({"JobName": name, "JobRunId": job_run_id})
            if row.run_id:
                run = self.state.run(row.run_id)
                if run is not None:
                    signal_process(run.executor_pid, run.executor_start)
            else:
                signal_process(*self.state.executor_of_job_run(job_run_id))
        return {"SuccessfulSubmissions": ok, "Errors": errors}

    # -- triggers that start things -----------------------------------------
    def start_trigger(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        trigger = self.resources.trigger(name)
        if trigger["Type"] == "EVENT":
            # AWS's answer (hashicorp/terraform-provider-aws#49408, against the live API):
            # an EVENT trigger stays CREATED and consumes events as it is
            raise invalid_input("Trigger Type EVENT cannot be started")
        if trigger["Type"] != "ON_DEMAND":
            self.resources.set_trigger_state(name, "ACTIVATED")
            return {"Name": name}
        # as on AWS, starting an ON_DEMAND trigger runs it now (and it stays CREATED)
        if trigger.get("WorkflowName"):
            self.start_workflow_run({"Name": trigger["WorkflowName"]})
        else:
            for action in trigger.get("Actions") or []:
                self.start_job_run(
                    {
                        "JobName": action["JobName"],
                        "Arguments": action.get("Arguments"),
                        "Timeout": action.get("Timeout"),
                        "_trigger": name,
                    }
                )
        return {"Name": name}

    def stop_trigger(self, p: dict[str, Any]) -> dict[str, Any]:
        name = str(p["Name"])
        trigger = self.resources.trigger(name)
        if trigger.get("State", "CREATED") == "CREATED":
            # AWS's answer for any type (hashicorp/terraform-provider-aws#49408): ON_DEMAND
            # and EVENT triggers are always CREATED, others until first activated
            raise invalid_input("The operation is not allowed when trigger is in state: CREATED")
        self.resources.set_trigger_state(name, "DEACTIVATED")
        return {"Name": name}


def _statistics(job_runs: list[JobRunRow]) -> dict[str, int]:
    last: dict[str, JobRunRow] = {}
    for job_run in job_runs:
        last[job_run.job] = job_run
    stats = dict.fromkeys(
        (
            "TotalActions",
            "TimeoutActions",
            "FailedActions",
            "StoppedActions",
            "SucceededActions",
            "RunningActions",
            "ErroredActions",
            "WaitingActions",
        ),
        0,
    )
    for job_run in last.values():
        stats["TotalActions"] += 1
        key = _STAT_KEYS.get(job_run.state)
        if key:
            stats[key] += 1
    return stats

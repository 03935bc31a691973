"""Read a ``GetWorkflowRun(IncludeGraph=True)`` graph: one row per node.

A job node's state is its **last attempt** (highest ``Attempt``); a node with no
job run was never reached. Trigger nodes show whether they fired in this run,
derived from the job runs they started (``TriggerName``, else any run of an action).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from glue_workflow.runs.failures import preferred_message

# EXPIRED: a JobRunState of the Glue service model that the job run statuses page does
# not describe (a queued run that never got to start); whatever ends that way did not
# succeed, so it fails the run unless a branch handles it.
FAILED_STATES = frozenset({"FAILED", "TIMEOUT", "STOPPED", "ERROR", "EXPIRED"})
# Job runs that never ran: no log or console page. ERROR: a trigger could not start it
# because its job was deleted (glue-semantics.md §10); EXPIRED, above.
NEVER_STARTED = frozenset({"ERROR", "EXPIRED"})
ACTIVE_STATES = frozenset({"STARTING", "RUNNING", "STOPPING", "WAITING"})


@dataclass(frozen=True, kw_only=True)
class NodeRow:
    """One node of a run graph, as status/--wait show it."""

    unique_id: str
    name: str
    type: str  # JOB | TRIGGER | CRAWLER
    state: str | None  # job: JobRunState of the last attempt; trigger: FIRED / NOT_FIRED
    started_on: dt.datetime | None = None
    completed_on: dt.datetime | None = None
    attempt: int | None = None
    error_message: str | None = None  # the reason the job recorded, else Glue's message
    glue_error_message: str | None = None  # the job run's own ErrorMessage
    job_run_id: str | None = None
    log_group: str | None = None

    def duration(self, now: dt.datetime | None = None) -> float | None:
        if self.started_on is None:
            return None
        end = self.completed_on or now
        return None if end is None else max(0.0, (end - self.started_on).total_seconds())

    def to_json(self) -> dict[str, Any]:
        return {
            "Name": self.name,
            "Type": self.type,
            "State": self.state,
            "StartedOn": self.started_on,
            "CompletedOn": self.completed_on,
            "Attempt": self.attempt,
            "ErrorMessage": self.error_message,
            "GlueErrorMessage": self.glue_error_message,
            "JobRunId": self.job_run_id,
        }


def graph_nodes(run: Mapping[str, Any]) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = list((run.get("Graph") or {}).get("Nodes") or [])
    return nodes


def last_attempt(job_runs: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    if not job_runs:
        return None
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)  # noqa: UP017 - Python 3.9 (verdict notifier job)
    return max(
        job_runs,
        key=lambda r: (int(r.get("Attempt") or 0), r.get("StartedOn") or epoch),
    )


def job_runs_of(node: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((node.get("JobDetails") or {}).get("JobRuns") or [])


def trigger_of(node: Mapping[str, Any]) -> Mapping[str, Any]:
    trigger: Mapping[str, Any] = (node.get("TriggerDetails") or {}).get("Trigger") or {}
    return trigger


def job_states(run: Mapping[str, Any]) -> dict[str, str | None]:
    """Job name → state of its last attempt (None: never reached)."""
    states: dict[str, str | None] = {}
    for node in graph_nodes(run):
        if node.get("Type") == "JOB":
            last = last_attempt(job_runs_of(node))
            states[str(node.get("Name"))] = None if last is None else str(last.get("JobRunState"))
    return states


def trigger_fired(run: Mapping[str, Any], trigger: Mapping[str, Any]) -> bool:
    """Whether ``trigger`` started its actions in this run."""
    name = trigger.get("Name")
    actions = {a.get("JobName") for a in trigger.get("Actions") or [] if a.get("JobName")}
    runs_by_job = {
        str(n.get("Name")): job_runs_of(n) for n in graph_nodes(run) if n.get("Type") == "JOB"
    }
    if not actions:
        return False
    for job in actions:
        runs = runs_by_job.get(str(job)) or []
        named = [r for r in runs if r.get("TriggerName")]
        if named:
            if not any(r.get("TriggerName") == name for r in named):
                return False
        elif not runs:
            return False
    return True


def error_message(run: Mapping[str, Any], job: str, last: Mapping[str, Any]) -> str | None:
    """A job node's error: the reason its failed last attempt recorded, else Glue's."""
    state = last.get("JobRunState")
    return preferred_message(
        run.get("WorkflowRunProperties") or {},
        str(run.get("Name") or ""),
        job,
        None if state is None else str(state),
        last.get("ErrorMessage"),
    )


def node_rows(run: Mapping[str, Any]) -> list[NodeRow]:
    """Rows in graph order: jobs by start time, never-reached and triggers after."""
    rows: list[NodeRow] = []
    running = run.get("Status") in ("RUNNING", "STOPPING")
    for node in graph_nodes(run):
        kind = str(node.get("Type"))
        name = str(node.get("Name"))
        unique_id = str(node.get("UniqueId") or name)
        if kind == "JOB":
            last = last_attempt(job_runs_of(node))
            if last is None:
                rows.append(NodeRow(unique_id=unique_id, name=name, type=kind, state=None))
                continue
            rows.append(
                NodeRow(
                    unique_id=unique_id,
                    name=name,
                    type=kind,
                    state=str(last.get("JobRunState")),
                    started_on=last.get("StartedOn"),
                    completed_on=last.get("CompletedOn"),
                    attempt=int(last.get("Attempt") or 0),
                    error_message=error_message(run, name, last),
                    glue_error_message=last.get("ErrorMessage"),
                    job_run_id=last.get("Id"),
                    log_group=last.get("LogGroupName"),
                )
            )
        elif kind == "TRIGGER":
            fired = trigger_fired(run, trigger_of(node))
            state = "FIRED" if fired else ("WAITING" if running else "NOT_FIRED")
            rows.append(NodeRow(unique_id=unique_id, name=name, type=kind, state=state))
        else:
            rows.append(NodeRow(unique_id=unique_id, name=name, type=kind, state=None))
    far = dt.datetime.max.replace(tzinfo=dt.timezone.utc)  # noqa: UP017 - Python 3.9 (verdict notifier job)
    return sorted(
        rows,
        key=lambda r: (r.type != "JOB", r.started_on is None, r.started_on or far, r.name),
    )

"""Synthetic GetWorkflowRun(IncludeGraph=True) answers, shaped like AWS's."""

from __future__ import annotations

import datetime as dt
from typing import Any

T0 = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
WF = "churn-pipeline"

# The shipped graph: start → preprocess → train → evaluate → gate;
# gate SUCCEEDED → register → deploy; gate FAILED → reject.
EDGES = [
    ("start", None, "preprocess"),
    ("on-preprocess-succeeded", ("preprocess", "SUCCEEDED"), "train"),
    ("on-train-succeeded", ("train", "SUCCEEDED"), "evaluate"),
    ("on-evaluate-succeeded", ("evaluate", "SUCCEEDED"), "gate"),
    ("on-gate-succeeded", ("gate", "SUCCEEDED"), "register"),
    ("on-register-succeeded", ("register", "SUCCEEDED"), "deploy"),
    ("on-gate-failed", ("gate", "FAILED"), "reject"),
]
JOBS = ["preprocess", "train", "evaluate", "gate", "register", "deploy", "reject"]


def job_run(
    job: str,
    state: str,
    attempt: int = 0,
    minute: int = 0,
    trigger: str | None = None,
    error: str | None = None,
) -> dict[str, Any]:
    run: dict[str, Any] = {
        "Id": f"jr_{job}_{attempt}",
        "Attempt": attempt,
        "JobName": f"{WF}-{job}",
        "JobRunState": state,
        "StartedOn": T0 + dt.timedelta(minutes=minute),
    }
    if state not in ("RUNNING", "STARTING", "WAITING"):
        run["CompletedOn"] = T0 + dt.timedelta(minutes=minute, seconds=30)
    if trigger:
        run["TriggerName"] = f"{WF}-{trigger}"
    if error:
        run["ErrorMessage"] = error
    return run


def run_answer(
    states: dict[str, str | list[str]],
    status: str = "COMPLETED",
    properties: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A run where each job in ``states`` ran (a list = successive attempts)."""
    nodes: list[dict[str, Any]] = []
    trigger_of_job = {down: name for name, _, down in EDGES}
    for minute, job in enumerate(JOBS):
        raw = states.get(job)
        attempts = [] if raw is None else ([raw] if isinstance(raw, str) else raw)
        runs = [
            job_run(
                job,
                s,
                i,
                minute,
                trigger_of_job[job],
                "boom" if s in ("FAILED", "ERROR", "TIMEOUT") else None,
            )
            for i, s in enumerate(attempts)
        ]
        nodes.append(
            {
                "Type": "JOB",
                "Name": f"{WF}-{job}",
                "UniqueId": f"wnode_{job}",
                "JobDetails": {"JobRuns": runs} if runs else {},
            }
        )
    for name, condition, down in EDGES:
        trigger: dict[str, Any] = {
            "Name": f"{WF}-{name}",
            "WorkflowName": WF,
            "Actions": [{"JobName": f"{WF}-{down}"}],
        }
        if condition is None:
            trigger["Type"] = "ON_DEMAND"
        else:
            trigger["Type"] = "CONDITIONAL"
            trigger["Predicate"] = {
                "Logical": "AND",
                "Conditions": [
                    {
                        "LogicalOperator": "EQUALS",
                        "JobName": f"{WF}-{condition[0]}",
                        "State": condition[1],
                    }
                ],
            }
        nodes.append(
            {
                "Type": "TRIGGER",
                "Name": f"{WF}-{name}",
                "UniqueId": f"wnode_t_{name}",
                "TriggerDetails": {"Trigger": trigger},
            }
        )
    return {
        "Name": WF,
        "WorkflowRunId": "wr_1",
        "Status": status,
        "StartedOn": T0,
        **({"CompletedOn": T0 + dt.timedelta(minutes=9)} if status != "RUNNING" else {}),
        "WorkflowRunProperties": properties or {},
        "Statistics": {},
        "Graph": {"Nodes": nodes, "Edges": []},
        **extra,
    }


HAPPY = {j: "SUCCEEDED" for j in JOBS if j != "reject"}
REJECTED = {
    "preprocess": "SUCCEEDED",
    "train": "SUCCEEDED",
    "evaluate": "SUCCEEDED",
    "gate": "FAILED",
    "reject": "SUCCEEDED",
}
REJECT_PROPS = {
    "gate_min_accuracy_decision": "rejected",
    "gate_min_accuracy_reason": "accuracy 0.8123 < min_accuracy 0.9",
}

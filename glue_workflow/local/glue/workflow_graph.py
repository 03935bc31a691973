"""The workflow graph (nodes, edges, stable node ids) and trigger predicates.

Pure functions over trigger documents and job states: no database, no processes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

START_TYPES = ("SCHEDULED", "ON_DEMAND", "EVENT")


def node_id(workflow: str, kind: str, name: str) -> str:
    """A node's UniqueId; stable across runs so ResumeWorkflowRun ids stay valid."""
    digest = hashlib.sha256(f"{workflow}\x00{kind}\x00{name}".encode()).hexdigest()
    return f"wnode_{digest[:40]}"


def jobs_of(triggers: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every job a set of triggers names (actions and conditions), in first-seen order."""
    seen: dict[str, None] = {}
    for trigger in triggers:
        for action in trigger.get("Actions") or []:
            if action.get("JobName"):
                seen[str(action["JobName"])] = None
        for cond in (trigger.get("Predicate") or {}).get("Conditions") or []:
            if cond.get("JobName"):
                seen[str(cond["JobName"])] = None
    return list(seen)


def start_triggers(triggers: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [t for t in triggers if t.get("Type") in START_TYPES]


def build_graph(
    workflow: str,
    triggers: list[dict[str, Any]],
    job_runs: Mapping[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """``Graph`` as GetWorkflow / GetWorkflowRun return it.

    ``job_runs`` (run graphs only) maps job name -> JobRun dicts; jobs absent from it
    were not reached and get no JobDetails.
    """
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, str]] = []
    for trigger in triggers:
        nodes.append(
            {
                "Type": "TRIGGER",
                "Name": trigger["Name"],
                "UniqueId": node_id(workflow, "TRIGGER", trigger["Name"]),
                "TriggerDetails": {"Trigger": trigger},
            }
        )
    for job in jobs_of(triggers):
        node: dict[str, Any] = {
            "Type": "JOB",
            "Name": job,
            "UniqueId": node_id(workflow, "JOB", job),
        }
        if job_runs is not None and job_runs.get(job):
            node["JobDetails"] = {"JobRuns": job_runs[job]}
        nodes.append(node)
    for trigger in triggers:
        tid = node_id(workflow, "TRIGGER", trigger["Name"])
        for cond in (trigger.get("Predicate") or {}).get("Conditions") or []:
            if cond.get("JobName"):
                edges.append(
                    {"SourceId": node_id(workflow, "JOB", cond["JobName"]), "DestinationId": tid}
                )
        for action in trigger.get("Actions") or []:
            if action.get("JobName"):
                edges.append(
                    {"SourceId": tid, "DestinationId": node_id(workflow, "JOB", action["JobName"])}
                )
    return {"Nodes": nodes, "Edges": edges}


def predicate_holds(trigger: Mapping[str, Any], states: Mapping[str, str]) -> bool:
    """AND / ANY over ``JobName`` == ``State`` (``states``: job -> final state in this run)."""
    predicate = trigger.get("Predicate") or {}
    conditions = predicate.get("Conditions") or []
    if not conditions:
        return False
    results = [states.get(str(c.get("JobName"))) == c.get("State") for c in conditions]
    return any(results) if predicate.get("Logical") == "ANY" else all(results)


def ready_triggers(
    triggers: Iterable[Mapping[str, Any]], fired: set[str], states: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    """Activated conditional triggers that have not fired in this run and now hold."""
    return [
        t
        for t in triggers
        if t.get("Type") == "CONDITIONAL"
        and t.get("State") == "ACTIVATED"
        and t["Name"] not in fired
        and predicate_holds(t, states)
    ]


def downstream(triggers: Iterable[Mapping[str, Any]], jobs: Iterable[str]) -> set[str]:
    """``jobs`` plus every job a conditional trigger watching them (transitively) starts."""
    triggers = list(triggers)
    found = set(jobs)
    changed = True
    while changed:
        changed = False
        for trigger in triggers:
            watched = {
                c.get("JobName") for c in (trigger.get("Predicate") or {}).get("Conditions") or []
            }
            if trigger.get("Type") == "CONDITIONAL" and watched & found:
                for action in trigger.get("Actions") or []:
                    job = action.get("JobName")
                    if job and job not in found:
                        found.add(job)
                        changed = True
    return found


def triggers_watching(triggers: Iterable[Mapping[str, Any]], jobs: set[str]) -> set[str]:
    return {
        str(t["Name"])
        for t in triggers
        if {c.get("JobName") for c in (t.get("Predicate") or {}).get("Conditions") or []} & jobs
    }

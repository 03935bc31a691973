"""A run's verdict for the console: COMPLETED is not success (Glue semantics §7).

Success iff the run is COMPLETED, no job node is still running, and every job node's
last attempt SUCCEEDED or ended in a state a conditional trigger of the run's graph
consumes (a handled failure branch). A node never reached is not a failure.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_RUNNING = frozenset({"STARTING", "RUNNING", "STOPPING", "WAITING"})


def verdict_of(run: Mapping[str, Any]) -> str:
    """``running`` | ``succeeded`` | ``failed`` | ``stopped`` | ``error`` for a WorkflowRun."""
    status = run.get("Status")
    if status in ("RUNNING", "STOPPING"):
        return "running"
    if status == "STOPPED":
        return "stopped"
    if status != "COMPLETED":
        return "error"
    graph = run.get("Graph") or {}
    handled: set[tuple[str, str]] = set()
    for node in graph.get("Nodes", []):
        trigger = (node.get("TriggerDetails") or {}).get("Trigger") or {}
        if trigger.get("Type") == "CONDITIONAL":
            for condition in (trigger.get("Predicate") or {}).get("Conditions", []):
                handled.add((str(condition.get("JobName")), str(condition.get("State"))))
    for node in graph.get("Nodes", []):
        if node.get("Type") != "JOB":
            continue
        runs = (node.get("JobDetails") or {}).get("JobRuns") or []
        if not runs:
            continue
        state = str(max(runs, key=lambda r: int(r.get("Attempt", 0) or 0)).get("JobRunState"))
        if state in _RUNNING:
            return "running"
        if state != "SUCCEEDED" and (str(node.get("Name")), state) not in handled:
            return "failed"
    return "succeeded"

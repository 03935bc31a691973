"""Rules on compiled (or hand-written) documents: what Glue itself refuses or
silently misreads in CreateTrigger requests."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_workflow.errors import Problem
from glue_workflow.model.dependencies import LISTENABLE_STATES


def check_document_rules(document: Mapping[str, Any]) -> list[Problem]:
    """Problems in a ``{"Workflow", "Jobs", "Triggers"}`` document dict."""
    problems: list[Problem] = []
    workflow = document["Workflow"]["Name"]
    jobs = {job["Name"] for job in document["Jobs"]}
    starts = [t["Name"] for t in document["Triggers"] if t.get("Type") != "CONDITIONAL"]
    if len(starts) != 1:
        problems.append(
            Problem(
                where=f"workflow {workflow!r}",
                rule="start-trigger",
                message=f"has {len(starts)} start triggers ({', '.join(starts) or 'none'}); "
                "a workflow needs exactly one ON_DEMAND, SCHEDULED or EVENT trigger",
            )
        )
    for trigger in document["Triggers"]:
        where = f"trigger {trigger['Name']!r}"
        if trigger.get("WorkflowName") != workflow:
            problems.append(
                Problem(
                    where=where,
                    rule="workflow-name",
                    message=f"WorkflowName must be {workflow!r}, got "
                    f"{trigger.get('WorkflowName')!r}",
                )
            )
        actions = {a.get("JobName") for a in trigger.get("Actions", [])}
        for action in sorted(a for a in actions if a not in jobs):
            problems.append(
                Problem(
                    where=where,
                    rule="unknown-node",
                    message=f"action starts job {action!r}, which the document does not define",
                )
            )
        if trigger.get("Type") != "CONDITIONAL":
            continue
        predicate = trigger.get("Predicate") or {}
        conditions = predicate.get("Conditions") or []
        if not conditions:
            problems.append(
                Problem(
                    where=where,
                    rule="empty-predicate",
                    message="a CONDITIONAL trigger needs at least one condition",
                )
            )
        if len(conditions) > 1 and predicate.get("Logical") not in ("AND", "ANY"):
            problems.append(
                Problem(
                    where=where,
                    rule="logical",
                    message=f"{len(conditions)} conditions need Predicate.Logical AND or "
                    "ANY; Glue rejects the trigger without it",
                )
            )
        for index, cond in enumerate(conditions):
            at = f"{where} condition {index}"
            if cond.get("LogicalOperator") != "EQUALS":
                problems.append(
                    Problem(
                        where=at,
                        rule="logical-operator",
                        message="LogicalOperator must be 'EQUALS' (Glue fails with "
                        "'Logical operator cannot be null or empty')",
                    )
                )
            if cond.get("State") not in LISTENABLE_STATES:
                problems.append(
                    Problem(
                        where=at,
                        rule="listenable-state",
                        message=f"state {cond.get('State')!r} never fires a trigger: use "
                        f"one of {', '.join(LISTENABLE_STATES)}",
                    )
                )
            if cond.get("JobName") in actions:
                problems.append(
                    Problem(
                        where=at,
                        rule="self-loop",
                        message=f"job {cond.get('JobName')!r} is both a condition and an "
                        "action of this trigger; Glue refuses it: use MaxRetries",
                    )
                )
    return problems

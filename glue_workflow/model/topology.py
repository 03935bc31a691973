"""The trigger set a workflow compiles to, shared by validation, compiler and graph.

The start trigger starts every node that has no ``after=`` and is no explicit
trigger's action. Nodes with identical ``after=`` dependencies share one trigger.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from glue_workflow import naming
from glue_workflow.model.dependencies import Condition, Dependency
from glue_workflow.model.triggers import Action, Event, Scheduled
from glue_workflow.model.workflow import Workflow


@dataclass(frozen=True, kw_only=True)
class LogicalTrigger:
    """A trigger as Glue will see it (physical name included)."""

    name: str
    type: str  # ON_DEMAND | SCHEDULED | EVENT | CONDITIONAL
    actions: tuple[Action, ...]
    origin: str  # what in the definition produced it, for messages
    conditions: tuple[Condition, ...] = ()
    logical: str = "AND"
    active: bool = True
    description: str = ""
    schedule: str | None = None
    batch_size: int | None = None
    batch_window: int | None = None

    @property
    def watched(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.node for c in self.conditions))


MAX_DESCRIPTION = 2048  # Glue's limit for trigger descriptions


def _describe(nodes: list[str], dependency: Dependency) -> str:
    text = f"Start {', '.join(nodes)} when {dependency}"
    if len(text) <= MAX_DESCRIPTION:
        return text
    word = "all" if dependency.logical == "AND" else "any"
    return f"Start {len(nodes)} nodes when {word} of {len(dependency.conditions)} conditions hold"


def _origin(nodes: list[str]) -> str:
    if len(nodes) <= 5:
        return f"after= of {', '.join(repr(n) for n in nodes)}"
    return f"after= of {len(nodes)} nodes ({', '.join(repr(n) for n in nodes[:3])}, ...)"


def resolve_triggers(workflow: Workflow) -> tuple[LogicalTrigger, ...]:
    """Start trigger, explicit triggers and dependency triggers, sorted by name."""
    wf = workflow.name
    explicit_targets = {a.node for t in workflow.triggers for a in t.actions}
    start_nodes = [
        n.name for n in workflow.nodes if n.after is None and n.name not in explicit_targets
    ]
    if workflow.notifier is not None:  # watches the run from its start (model/notify.py)
        start_nodes.append(workflow.notifier.name)
    start = workflow.start
    result = [
        LogicalTrigger(
            name=naming.start_trigger_name(wf),
            type=start.type,
            actions=tuple(Action(node=n) for n in sorted(start_nodes)),
            origin="start trigger",
            active=getattr(start, "active", False),
            description=start.description or f"Start of {wf}",
            schedule=start.cron if isinstance(start, Scheduled) else None,
            batch_size=start.batch_size if isinstance(start, Event) else None,
            batch_window=start.batch_window if isinstance(start, Event) else None,
        )
    ]
    for trigger in workflow.triggers:
        result.append(
            LogicalTrigger(
                name=naming.named_trigger_name(wf, trigger.name),
                type="CONDITIONAL",
                actions=tuple(sorted(trigger.actions, key=lambda a: a.node)),
                origin=f"Trigger {trigger.name!r}",
                conditions=trigger.when.conditions,
                logical=trigger.when.key()[1],
                active=trigger.active,
                description=trigger.description or f"Start when {trigger.when}",
            )
        )
    groups: dict[tuple[tuple[tuple[str, str], ...], str], list[str]] = defaultdict(list)
    deps = {}
    for node in workflow.nodes:
        if node.after is not None:
            key = node.after.key()
            groups[key].append(node.name)
            deps[key] = node.after
    for key, nodes in groups.items():
        conditions, logical = key
        names = sorted(nodes)
        result.append(
            LogicalTrigger(
                name=naming.dependency_trigger_name(wf, conditions, logical),
                type="CONDITIONAL",
                actions=tuple(Action(node=n) for n in names),
                origin=_origin(names),
                conditions=deps[key].conditions,
                logical=logical,
                description=_describe(names, deps[key]),
            )
        )
    return tuple(sorted(result, key=lambda t: t.name))

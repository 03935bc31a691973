"""Rules about when branches fire: predicates that can never hold, failure branches
that read what the failed node never wrote, nodes behind a trigger that is off."""

from __future__ import annotations

from glue_workflow.errors import Problem
from glue_workflow.model.topology import LogicalTrigger
from glue_workflow.model.workflow import Workflow
from glue_workflow.validation.graph_rules import node_edges, reachable

# States after which a job may not have written its run properties.
UNFINISHED_STATES = ("FAILED", "TIMEOUT", "STOPPED")


def check_predicates(triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    """An AND that needs one node to end in two states never fires: a run ends once."""
    problems = []
    for trigger in triggers:
        if trigger.logical != "AND":
            continue
        states: dict[str, list[str]] = {}
        for cond in trigger.conditions:
            states.setdefault(cond.node, []).append(cond.state)
        for node, wanted in sorted(states.items()):
            if len(wanted) < 2:
                continue
            listed = " and ".join(sorted(wanted))
            problems.append(
                Problem(
                    where=trigger.origin,
                    rule="impossible-predicate",
                    message=f"trigger {trigger.name!r} waits (AND) for node {node!r} to end "
                    f"{listed} in the same run; a job run ends in exactly one state, so it "
                    "never fires: use '|' (any_of) to start on either state, or keep one "
                    "condition on that node",
                )
            )
    return problems


def check_failure_reads(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    """A branch on X FAILED/TIMEOUT/STOPPED must not need a property only X writes.

    Nodes that record their verdict before failing on purpose (gates, drift checks)
    declare those properties in ``writes_on_failure``: they are there after FAILED
    (never after TIMEOUT or STOPPED, when the job was killed).
    """
    given = set(workflow.default_run_properties) | set(workflow.start_parameters)
    writers: dict[str, set[str]] = {}
    for node in workflow.nodes:
        for prop in node.writes:
            writers.setdefault(prop, set()).add(node.name)
    nodes = {n.name: n for n in workflow.nodes}
    problems = []
    reported: set[tuple[str, str, str]] = set()
    for trigger in triggers:
        for cond in trigger.conditions:
            failed = nodes.get(cond.node)
            if failed is None or cond.state not in UNFINISHED_STATES:
                continue
            kept = (
                set(getattr(failed, "writes_on_failure", ())) if cond.state == "FAILED" else set()
            )
            for action in trigger.actions:
                reader = nodes.get(action.node)
                if reader is None:
                    continue
                for prop in reader.reads:
                    if prop in given or writers.get(prop) != {failed.name} or prop in kept:
                        continue
                    if (reader.name, prop, failed.name) in reported:
                        continue
                    reported.add((reader.name, prop, failed.name))
                    problems.append(
                        Problem(
                            where=f"node {reader.name!r}",
                            rule="failure-branch-read",
                            message=f"reads run property {prop!r}, which only node "
                            f"{failed.name!r} writes, but runs when {failed.name!r} ended "
                            f"{cond.state} ({trigger.origin}), when {failed.name!r} may not "
                            f"have written it: give {prop!r} a default in "
                            "default_run_properties, or drop it from reads= and treat it as "
                            "optional in the job",
                        )
                    )
    return problems


def check_inactive(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    """Warn about nodes only an inactive conditional trigger can start.

    A conditional trigger created with StartOnCreation=false (``active=False``) does
    not fire until someone activates it (glue start-trigger), so what only it starts
    never runs. The start trigger is left out: a run started on demand
    (StartWorkflowRun) starts its actions whether or not its schedule is active.
    """
    start = next((t for t in triggers if t.origin == "start trigger"), None)
    if start is None:
        return []
    active = tuple(t for t in triggers if t.type != "CONDITIONAL" or t.active)
    everywhere = reachable(start, node_edges(triggers))
    when_active = reachable(start, node_edges(active))
    off = [t for t in triggers if t.type == "CONDITIONAL" and not t.active]
    problems = []
    if start.type == "SCHEDULED" and not start.active:
        problems.append(
            Problem(
                where="start trigger",
                rule="inactive-trigger",
                message=f"Scheduled(active=False): schedule {start.schedule!r} never fires "
                "(the trigger is created with StartOnCreation=false), so runs start only on "
                "demand (glue-wf run): set active=True to run on the schedule",
                severity="warning",
            )
        )
    for name in workflow.node_names:
        if name not in everywhere or name in when_active:
            continue
        via = _starters(name, off) or [t.name for t in off]
        problems.append(
            Problem(
                where=f"node {name!r}",
                rule="inactive-trigger",
                message=f"is only reachable through inactive trigger(s) "
                f"{', '.join(repr(v) for v in via)} (active=False: created with "
                "StartOnCreation=false), so it never runs until the trigger is activated: set "
                "active=True, or activate it after deploy (aws glue start-trigger)",
                severity="warning",
            )
        )
    return problems


def _starters(node: str, triggers: list[LogicalTrigger]) -> list[str]:
    return [t.name for t in triggers if any(a.node == node for a in t.actions)]

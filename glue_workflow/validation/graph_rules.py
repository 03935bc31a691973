"""Whole-graph rules: references, self-loops, cycles, reachability, names, size."""

from __future__ import annotations

import graphlib
from collections import deque
from collections.abc import Mapping

from glue_workflow.errors import Problem
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.jobs import Job
from glue_workflow.model.topology import LogicalTrigger
from glue_workflow.model.workflow import Workflow
from glue_workflow.naming import job_name

MAX_NAME = 255
RECOMMENDED_MAX_NODES = 100  # above it Glue's resume/stop may error
DEFAULT_JOBS_PER_TRIGGER = 50  # account quota, adjustable


def node_edges(triggers: tuple[LogicalTrigger, ...]) -> dict[str, set[str]]:
    """node -> nodes it starts (through a conditional trigger watching it)."""
    edges: dict[str, set[str]] = {}
    for trigger in triggers:
        for watched in trigger.watched:
            edges.setdefault(watched, set()).update(a.node for a in trigger.actions)
    return edges


def check_references(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    names = set(workflow.node_names)
    if workflow.notifier is not None:  # the packaged verdict notifier (model/notify.py)
        names.add(workflow.notifier.name)
    problems = []
    for trigger in triggers:
        where = f"{trigger.origin}"
        for node in (*trigger.watched, *(a.node for a in trigger.actions)):
            if node not in names:
                problems.append(
                    Problem(
                        where=where,
                        rule="unknown-node",
                        message=f"refers to node {node!r}, which is not in workflow "
                        f"{workflow.name!r}{did_you_mean(node, names)}: add it to nodes= or "
                        "fix the name",
                    )
                )
        looped = sorted(set(trigger.watched) & {a.node for a in trigger.actions})
        # two nodes of one name (refused as duplicate-node) look like one node in a loop
        for node in (n for n in looped if workflow.node_names.count(n) == 1):
            problems.append(
                Problem(
                    where=where,
                    rule="self-loop",
                    message=f"node {node!r} is both a condition and an action of trigger "
                    f"{trigger.name!r}; Glue refuses this: use max_retries= to retry a job",
                )
            )
    return problems


def check_cycles(edges: Mapping[str, set[str]]) -> list[Problem]:
    sorter: graphlib.TopologicalSorter[str] = graphlib.TopologicalSorter()
    for source in sorted(edges):
        for target in sorted(edges[source]):
            if target != source:  # self-loops are reported on their own
                sorter.add(target, source)
    try:
        sorter.prepare()
    except graphlib.CycleError as exc:
        ring = list(exc.args[1])[:-1]  # each node precedes the next: run order
        first = ring.index(min(ring))  # start at the smallest name: stable messages
        cycle = ring[first:] + ring[:first] + [ring[first]]
        return [
            Problem(
                where=f"node {cycle[0]!r}",
                rule="cycle",
                message=f"dependency cycle {' -> '.join(cycle)}: a Glue workflow run is a DAG; "
                "remove one of these after= links",
            )
        ]
    return []


def reachable(start: LogicalTrigger, edges: Mapping[str, set[str]]) -> set[str]:
    seen = {a.node for a in start.actions}
    queue = deque(sorted(seen))
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def check_reachability(
    workflow: Workflow, start: LogicalTrigger, edges: Mapping[str, set[str]]
) -> list[Problem]:
    if not start.actions:
        return [
            Problem(
                where=f"workflow {workflow.name!r}",
                rule="start-trigger",
                message="the start trigger starts no node: every node has after= or an explicit "
                "trigger; leave at least one node without after= so runs can begin",
            )
        ]
    seen = reachable(start, edges)
    return [
        Problem(
            where=f"node {name!r}",
            rule="unreachable",
            message="is never started: nothing connects it to the start trigger "
            "(its after= only watches nodes that cannot run); fix its after= or remove it",
        )
        for name in workflow.node_names
        if name not in seen
    ]


def check_names(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for trigger in triggers:
        if trigger.name in seen:
            problems.append(
                Problem(
                    where=trigger.origin,
                    rule="trigger-name-collision",
                    message=f"trigger name {trigger.name!r} is also produced by "
                    f"{seen[trigger.name]}: rename the explicit Trigger",
                )
            )
        seen[trigger.name] = trigger.origin
        if len(trigger.name) > MAX_NAME:
            problems.append(
                Problem(
                    where=trigger.origin,
                    rule="name-length",
                    message=f"trigger name {trigger.name[:40]!r}... is {len(trigger.name)} "
                    f"characters; Glue allows {MAX_NAME}: shorten the workflow or node names",
                )
            )
    for name in workflow.node_names:
        physical = job_name(workflow.name, name)
        if len(physical) > MAX_NAME:
            problems.append(
                Problem(
                    where=f"node {name!r}",
                    rule="name-length",
                    message=f"job name {physical!r} is {len(physical)} characters; Glue allows "
                    f"{MAX_NAME}",
                )
            )
    return problems


def check_size(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    problems = [
        Problem(
            where=trigger.origin,
            rule="trigger-actions",
            message=f"trigger {trigger.name!r} starts {len(trigger.actions)} jobs; Glue's "
            f"default quota is {DEFAULT_JOBS_PER_TRIGGER} jobs per trigger (Service Quotas, "
            "service code glue): raise the quota or split the fan-out",
            severity="warning",
        )
        for trigger in triggers
        if len(trigger.actions) > DEFAULT_JOBS_PER_TRIGGER
    ]
    count = len(workflow.nodes) + len(triggers)
    if count <= RECOMMENDED_MAX_NODES:
        return problems
    return [
        *problems,
        Problem(
            where=f"workflow {workflow.name!r}",
            rule="node-count",
            message=f"{count} graph nodes (jobs + triggers); AWS recommends at most "
            f"{RECOMMENDED_MAX_NODES}, above which resuming and stopping runs may fail: split "
            "the workflow",
            severity="warning",
        ),
    ]


def check_retries(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    jobs: dict[str, Job] = {j.name: j for j in workflow.jobs}
    problems = []
    for trigger in triggers:
        for cond in trigger.conditions:
            job = jobs.get(cond.node)
            # a TIMEOUT is never retried (Glue's job properties, "Number of retries")
            if job and job.max_retries > 0 and cond.state == "FAILED":
                problems.append(
                    Problem(
                        where=f"node {cond.node!r}",
                        rule="retry-failure-branch",
                        message=f"has max_retries={job.max_retries} and trigger "
                        f"{trigger.name!r} watches its {cond.state} state; whether the branch "
                        "fires after the first or the last attempt is undocumented (glue-wf "
                        "local fires on the final attempt)",
                        severity="warning",
                    )
                )
    return problems


def _exclusive(one: LogicalTrigger, other: LogicalTrigger) -> bool:
    """Whether the two can never both fire in one run: two start triggers (one starts
    the run), or two conditional ones that each need all of their conditions (AND, or
    one condition) and need one node in different states."""
    starts = (one.type != "CONDITIONAL", other.type != "CONDITIONAL")
    if all(starts):
        return True
    if any(starts):
        return False
    if (one.logical != "AND" and len(one.conditions) > 1) or (
        other.logical != "AND" and len(other.conditions) > 1
    ):
        return False
    states = {c.node: c.state for c in one.conditions}
    return any(c.node in states and states[c.node] != c.state for c in other.conditions)


def check_starters(workflow: Workflow, triggers: tuple[LogicalTrigger, ...]) -> list[Problem]:
    """A job started by more triggers than its max_concurrent_runs that can fire in one
    run: each trigger that fires starts a job run of its own, and a start past the limit
    fails at once ("exceeded maximum allowed concurrent runs", Glue's job run statuses)."""
    problems = []
    for job in workflow.jobs:
        starters = [t for t in triggers if any(a.node == job.name for a in t.actions)]
        together = [
            t for t in starters if any(o is not t and not _exclusive(t, o) for o in starters)
        ]
        if len(together) <= job.max_concurrent_runs:
            continue
        names = ", ".join(repr(t.name) for t in together)
        problems.append(
            Problem(
                where=f"node {job.name!r}",
                rule="started-twice",
                message=f"is started by {len(together)} triggers that can fire in one run "
                f"({names}): each starts a run of its own, and one past max_concurrent_runs="
                f"{job.max_concurrent_runs} fails ('exceeded maximum allowed concurrent "
                "runs'); start it from one trigger (any_of(...) for either condition) or "
                "raise max_concurrent_runs",
                severity="warning",
            )
        )
    return problems

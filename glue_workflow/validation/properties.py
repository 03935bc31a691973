"""Run-property contracts: every read is provided by a default, a start-time
parameter, or a writer upstream in the trigger graph."""

from __future__ import annotations

import functools
import graphlib
import operator
from collections.abc import Mapping, Sequence

from glue_workflow.errors import Problem
from glue_workflow.jobkit.failure import ERROR_PROPERTY_PREFIX, error_property, is_error_property
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.topology import LogicalTrigger
from glue_workflow.model.workflow import Workflow
from glue_workflow.naming import DRIFT_PREFIX, GATE_PREFIX
from glue_workflow.validation.cache_names import is_cache_property, reserved_cache_property


def available_properties(
    workflow: Workflow,
    edges: Mapping[str, set[str]],
    triggers: Sequence[LogicalTrigger] = (),
) -> dict[str, int]:
    """node -> bitset of the run properties surely written before it starts (a DAG is
    assumed): an AND trigger waits for all its watched nodes, so their writes add up;
    an ANY trigger fires on the first, so only what each of them provides counts; a
    node started by several triggers (or by the start trigger too) gets what every one
    of them provides. Without ``triggers``: every parent's writes (AND).

    Bitsets (Python ints, one bit per written property) keep the propagation close
    to O(nodes + edges) even for wide or long graphs.
    """
    bits = {prop: 1 << index for index, prop in enumerate(_bit_order(workflow))}
    writes = {n.name: _mask(n.writes, bits) for n in workflow.nodes}
    parents: dict[str, list[str]] = {n: [] for n in workflow.node_names}
    for source, targets in edges.items():
        for target in targets:
            if target in parents and source in parents and source != target:
                parents[target].append(source)
    # node -> the trigger conditions that start it: (logical, watched nodes); () for a
    # trigger that waits on nothing (the start trigger)
    starts: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for trigger in triggers:
        for action in trigger.actions:
            starts.setdefault(action.node, []).append((trigger.logical, trigger.watched))
    result: dict[str, int] = {}

    def provided(parent: str, child: str) -> int:
        return (result.get(parent, 0) | writes.get(parent, 0)) if parent != child else 0

    for node in graphlib.TopologicalSorter(parents).static_order():
        if node not in starts:
            acc = 0
            for parent in parents[node]:
                acc |= provided(parent, node)
            result[node] = acc
            continue
        each: list[int] = []
        for logical, watched in starts[node]:
            got = [provided(p, node) for p in watched]
            if not got:
                each.append(0)
            elif logical == "ANY":
                each.append(functools.reduce(operator.and_, got))
            else:
                each.append(functools.reduce(operator.or_, got))
        result[node] = functools.reduce(operator.and_, each)
    return result


def _bit_order(workflow: Workflow) -> list[str]:
    """Written properties in first-written order: the bit positions of the bitsets."""
    return list(dict.fromkeys(p for n in workflow.nodes for p in n.writes))


def _mask(names: tuple[str, ...], bits: Mapping[str, int]) -> int:
    mask = 0
    for name in names:
        mask |= bits[name]
    return mask


def check_contracts(
    workflow: Workflow, edges: Mapping[str, set[str]], triggers: Sequence[LogicalTrigger] = ()
) -> list[Problem]:
    given = set(workflow.default_run_properties) | set(workflow.start_parameters)
    writers: dict[str, list[str]] = {}
    for node in workflow.nodes:
        for prop in node.writes:
            writers.setdefault(prop, []).append(node.name)
    available = available_properties(workflow, edges, triggers)
    # what some path writes before a node (every parent's writes, whatever the trigger)
    reached = available_properties(workflow, edges) if triggers else available
    bits = {prop: 1 << index for index, prop in enumerate(_bit_order(workflow))}
    known = given | set(writers)
    problems = []
    # Written by the job library when a node fails (glue_wf_error_<node>), never declared.
    system = {error_property(n): n for n in workflow.node_names}
    for node in workflow.nodes:
        upstream = available.get(node.name, 0)
        for prop in node.reads:
            if prop in given or prop in system or (upstream & bits.get(prop, 0)):
                continue
            if prop.startswith("aws:"):  # Glue's own: refused by name where it is declared
                continue
            if is_error_property(prop):
                problems.append(_unknown_error_property(node.name, prop, system))
                continue
            if prop in writers and reached.get(node.name, 0) & bits.get(prop, 0):
                others = ", ".join(repr(w) for w in writers[prop])
                detail = (
                    f"it is written by {others}, which {node.name!r} does not always wait "
                    "for (it starts on any one of its trigger's conditions, or by one of "
                    "several triggers): make the trigger wait for all (&), or read it "
                    "where every path writes it"
                )
            elif prop in writers:
                others = ", ".join(repr(w) for w in writers[prop])
                detail = (
                    f"it is written by {others}, which is not upstream of {node.name!r} (it "
                    "may run later or in parallel)"
                )
            else:
                detail = f"nothing writes it{did_you_mean(prop, known)}"
            problems.append(
                Problem(
                    where=f"node {node.name!r}",
                    rule="property-contract",
                    message=f"reads run property {prop!r} but {detail}: add it to an upstream "
                    "node's writes=, to default_run_properties, or to start_parameters",
                )
            )
    read = {prop for node in workflow.nodes for prop in node.reads}
    for prop in sorted(set(workflow.default_run_properties) - read - set(writers)):
        if is_error_property(prop):
            continue  # reserved: said by check_reserved
        problems.append(
            Problem(
                where=f"workflow {workflow.name!r}",
                rule="property-contract",
                message=f"default run property {prop!r} is read by no node"
                f"{did_you_mean(prop, read)}: a node's job gets a run property it lists in "
                "reads= (a hyperparameter too); add it to that node's reads=, or drop it",
                severity="warning",
            )
        )
    for prop in sorted(set(workflow.start_parameters) & set(workflow.default_run_properties)):
        problems.append(
            Problem(
                where=f"workflow {workflow.name!r}",
                rule="property-contract",
                message=f"{prop!r} is both a start parameter and a default run property; "
                "a default makes it optional: drop it from start_parameters",
                severity="warning",
            )
        )
    return problems


def check_gate_decisions(workflow: Workflow) -> list[Problem]:
    """Gate and drift decisions have one writer (reported once per pair of nodes)."""
    seen: dict[str, str] = {}
    problems = []
    clashed: set[tuple[str, str]] = set()
    for node in workflow.nodes:
        for prop in node.writes:
            kind = "gate" if prop.startswith(GATE_PREFIX) else "drift check"
            other = seen.get(prop)
            if prop.startswith((GATE_PREFIX, DRIFT_PREFIX)) and other not in (None, node.name):
                if (node.name, str(other)) in clashed:
                    continue
                clashed.add((node.name, str(other)))
                problems.append(
                    Problem(
                        where=f"node {node.name!r}",
                        rule="gate-decision",
                        message=f"writes {prop!r}, which node {other!r} records too: "
                        f"{kind} decisions must have one writer; give each {kind} its own "
                        "decision=",
                    )
                )
            seen.setdefault(prop, node.name)
    return problems


def check_gate_thresholds(workflow: Workflow) -> list[Problem]:
    """A gate's threshold property whose default run property is not a finite number:
    every run would reach the gate, after training, and fail it with an error (the
    gate's own rule, jobkit.gate._number)."""
    import math

    from glue_workflow.model.gates import Gate

    problems = []
    defaults = workflow.default_run_properties
    for node in workflow.nodes:
        if not isinstance(node, Gate):
            continue
        for condition in node.parsed:
            name = condition.threshold_property
            if name is None or name not in defaults:
                continue
            raw = str(defaults[name])
            try:
                value: float | None = float(raw)
            except ValueError:
                value = None
            if value is None or not math.isfinite(value):
                problems.append(
                    Problem(
                        where=node.where,
                        rule="gate-threshold",
                        message=f"condition '{condition}': default run property {name!r} = "
                        f"{raw!r} is not a finite number, so every run's gate would fail "
                        "with an error after training; give a number such as '0.9'",
                    )
                )
    return problems


def _unknown_error_property(node: str, prop: str, system: Mapping[str, str]) -> Problem:
    return Problem(
        where=f"node {node!r}",
        rule="property-contract",
        message=f"reads run property {prop!r}, but no node of the workflow is named "
        f"{prop[len(ERROR_PROPERTY_PREFIX) :]!r}{did_you_mean(prop, set(system))}: "
        f"{ERROR_PROPERTY_PREFIX}<node> holds the failure reason of node <node>",
    )


def check_reserved(workflow: Workflow) -> list[Problem]:
    """``glue_wf_error_*`` is written by failing jobs only: no definition may declare it."""
    problems = []
    declared = [
        (f"node {node.name!r}", "writes", prop) for node in workflow.nodes for prop in node.writes
    ]
    where = f"workflow {workflow.name!r}"
    declared += [(where, "default_run_properties", p) for p in workflow.default_run_properties]
    declared += [(where, "start_parameters", p) for p in workflow.start_parameters]
    for place, what, prop in declared:
        if is_cache_property(prop):
            problems.append(reserved_cache_property(place, what, prop))
        elif is_error_property(prop):
            problems.append(
                Problem(
                    where=place,
                    rule="reserved-property",
                    message=f"{what} declares run property {prop!r}, but names starting with "
                    f"{ERROR_PROPERTY_PREFIX!r} are reserved: a failing job records its reason "
                    f"there itself; rename the property (reading "
                    f"{ERROR_PROPERTY_PREFIX}<node> in reads= is allowed)",
                )
            )
    return problems

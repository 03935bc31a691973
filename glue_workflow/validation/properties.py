"""Run-property contracts: every read is provided by a default, a start-time
parameter, or a writer upstream in the trigger graph."""

from __future__ import annotations

import graphlib
from collections.abc import Mapping

from glue_workflow.errors import Problem
from glue_workflow.model._base import did_you_mean
from glue_workflow.model.workflow import Workflow


def available_properties(workflow: Workflow, edges: Mapping[str, set[str]]) -> dict[str, int]:
    """node -> bitset of the run properties written upstream of it (a DAG is assumed).

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
    result: dict[str, int] = {}
    for node in graphlib.TopologicalSorter(parents).static_order():
        acc = 0
        for parent in parents[node]:
            acc |= result[parent] | writes[parent]
        result[node] = acc
    return result


def _bit_order(workflow: Workflow) -> list[str]:
    """Written properties in first-written order: the bit positions of the bitsets."""
    return list(dict.fromkeys(p for n in workflow.nodes for p in n.writes))


def _mask(names: tuple[str, ...], bits: Mapping[str, int]) -> int:
    mask = 0
    for name in names:
        mask |= bits[name]
    return mask


def check_contracts(workflow: Workflow, edges: Mapping[str, set[str]]) -> list[Problem]:
    given = set(workflow.default_run_properties) | set(workflow.start_parameters)
    writers: dict[str, list[str]] = {}
    for node in workflow.nodes:
        for prop in node.writes:
            writers.setdefault(prop, []).append(node.name)
    available = available_properties(workflow, edges)
    bits = {prop: 1 << index for index, prop in enumerate(_bit_order(workflow))}
    known = given | set(writers)
    problems = []
    for node in workflow.nodes:
        upstream = available.get(node.name, 0)
        for prop in node.reads:
            if prop in given or (upstream & bits.get(prop, 0)):
                continue
            if prop in writers:
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
    seen: dict[str, str] = {}
    problems = []
    for node in workflow.nodes:
        for prop in node.writes:
            if prop.startswith("gate_") and prop in seen and seen[prop] != node.name:
                problems.append(
                    Problem(
                        where=f"node {node.name!r}",
                        rule="gate-decision",
                        message=f"writes {prop!r}, which node {seen[prop]!r} records too: "
                        "gate decisions must have one writer; give each gate its own decision=",
                    )
                )
            seen.setdefault(prop, node.name)
    return problems

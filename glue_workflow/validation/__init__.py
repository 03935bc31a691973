"""Whole-graph validation, offline, before any AWS call.

``validate(workflow)`` returns every problem (errors and warnings);
``check(workflow)`` raises ``DefinitionError`` listing them when any is an error
and returns the warnings otherwise. Single-object rules already ran when the model
objects were constructed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from glue_workflow.errors import DefinitionError, GlueWfError, Problem
from glue_workflow.model.topology import resolve_triggers
from glue_workflow.model.workflow import Workflow
from glue_workflow.validation.branches import (
    check_failure_reads,
    check_inactive,
    check_predicates,
)
from glue_workflow.validation.graph_rules import (
    check_cycles,
    check_names,
    check_reachability,
    check_references,
    check_retries,
    check_size,
    check_starters,
    node_edges,
)
from glue_workflow.validation.iam_reach import check_iam_reach
from glue_workflow.validation.jobs import (
    check_argument_names,
    check_argument_size,
    check_concurrency,
    check_notify_stopped,
    check_placeholders,
    check_schedule,
    check_versions,
)
from glue_workflow.validation.properties import (
    check_contracts,
    check_gate_decisions,
    check_gate_thresholds,
    check_reserved,
)


def validate(
    workflow: Workflow, *, now: datetime | None = None, tolerant: bool = False
) -> list[Problem]:
    """Every broken rule in ``workflow``; errors first, then warnings.

    ``now`` is the reference time for "does the schedule ever fire" (default: the
    current time). ``tolerant``: the workflow was built while construction problems
    were being deferred, so a rule that cannot be checked on its unchecked values is
    skipped instead of crashing (those values are reported already).
    """

    def run(rule: Callable[[], list[Problem]]) -> list[Problem]:
        if not tolerant:
            return rule()
        try:
            return rule()
        except GlueWfError as exc:
            return list(exc.problems) if isinstance(exc, DefinitionError) else []
        except Exception:  # values already reported as construction problems
            return []

    problems: list[Problem] = []
    try:
        triggers = resolve_triggers(workflow)
        edges = node_edges(triggers)
    except Exception:
        if not tolerant:
            raise
        triggers = None
    if triggers is not None:
        references = run(lambda: check_references(workflow, triggers))
        cycles = run(lambda: check_cycles(edges))
        problems += references + run(lambda: check_names(workflow, triggers)) + cycles
        problems += run(lambda: check_predicates(triggers))
        if not references:
            start = next(t for t in triggers if t.origin == "start trigger")
            problems += run(lambda: check_reachability(workflow, start, edges))
            problems += run(lambda: check_inactive(workflow, triggers))
            problems += run(lambda: check_failure_reads(workflow, triggers))
            names = list(workflow.node_names)
            if not cycles and len(set(names)) == len(names):
                # Property availability is defined along a DAG only, of distinct nodes (two
                # of one name, refused as duplicate-node, would read as one another's).
                contracts = run(lambda: check_contracts(workflow, edges, triggers))
                if tolerant:  # a node that did not build may read more than it shows (a gate
                    # whose condition did not parse reads nothing): "read by no node" could
                    # be false
                    contracts = [p for p in contracts if p.severity == "error"]
                problems += contracts
    problems += run(lambda: check_gate_decisions(workflow))
    problems += run(lambda: check_gate_thresholds(workflow))
    problems += run(lambda: check_reserved(workflow))
    problems += run(lambda: check_concurrency(workflow))
    problems += run(lambda: check_notify_stopped(workflow))
    problems += run(lambda: check_versions(workflow))
    problems += run(lambda: check_schedule(workflow, now=now))
    problems += run(lambda: check_placeholders(workflow))
    problems += run(lambda: check_argument_size(workflow))
    problems += run(lambda: check_argument_names(workflow))
    problems += run(lambda: check_iam_reach(workflow))
    if triggers is not None:
        problems += run(lambda: check_retries(workflow, triggers))
        problems += run(lambda: check_size(workflow, triggers))
        if len(set(workflow.node_names)) == len(list(workflow.node_names)):
            problems += run(lambda: check_starters(workflow, triggers))
    return sorted(once(problems), key=lambda p: p.severity != "error")


def once(problems: list[Problem]) -> list[Problem]:
    """Each problem once, in first-seen order (two rules may find the same fault)."""
    return list(dict.fromkeys(problems))


def check(workflow: Workflow, *, now: datetime | None = None) -> list[Problem]:
    """Raise DefinitionError when ``workflow`` breaks a rule; return the warnings."""
    problems = validate(workflow, now=now)
    if any(p.severity == "error" for p in problems):
        raise DefinitionError(problems)
    return problems


__all__ = ["check", "once", "validate"]

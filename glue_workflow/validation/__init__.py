"""Whole-graph validation, offline, before any AWS call.

``validate(workflow)`` returns every problem (errors and warnings);
``check(workflow)`` raises ``DefinitionError`` listing them when any is an error
and returns the warnings otherwise. Single-object rules already ran when the model
objects were constructed.
"""

from __future__ import annotations

from glue_workflow.errors import DefinitionError, Problem
from glue_workflow.model.topology import resolve_triggers
from glue_workflow.model.workflow import Workflow
from glue_workflow.validation.graph import (
    check_cycles,
    check_names,
    check_reachability,
    check_references,
    check_retries,
    check_size,
    node_edges,
)
from glue_workflow.validation.jobs import (
    check_argument_size,
    check_concurrency,
    check_placeholders,
    check_schedule,
    check_versions,
)
from glue_workflow.validation.properties import check_contracts, check_gate_decisions


def validate(workflow: Workflow) -> list[Problem]:
    """Every broken rule in ``workflow``; errors first, then warnings."""
    triggers = resolve_triggers(workflow)
    edges = node_edges(triggers)
    references = check_references(workflow, triggers)
    cycles = check_cycles(edges)
    problems = references + check_names(workflow, triggers) + cycles
    if not references:
        start = next(t for t in triggers if t.origin == "start trigger")
        problems += check_reachability(workflow, start, edges)
        if not cycles:
            # Property availability is defined along a DAG only.
            problems += check_contracts(workflow, edges)
    problems += check_gate_decisions(workflow)
    problems += check_concurrency(workflow)
    problems += check_versions(workflow)
    problems += check_schedule(workflow)
    problems += check_placeholders(workflow)
    problems += check_argument_size(workflow)
    problems += check_retries(workflow, triggers)
    problems += check_size(workflow, triggers)
    return sorted(problems, key=lambda p: p.severity != "error")


def check(workflow: Workflow) -> list[Problem]:
    """Raise DefinitionError when ``workflow`` breaks a rule; return the warnings."""
    problems = validate(workflow)
    if any(p.severity == "error" for p in problems):
        raise DefinitionError(problems)
    return problems


__all__ = ["check", "validate"]

"""The workflow definition model: frozen, keyword-only dataclasses validated on
construction. Whole-graph rules live in ``glue_workflow.validation``.

    from glue_workflow.model import Workflow, SparkJob, PythonShellJob, Gate, DriftCheck, succeeded
"""

from glue_workflow.model.cache import Cache
from glue_workflow.model.dependencies import (
    LISTENABLE_STATES,
    Condition,
    Dependency,
    all_of,
    any_of,
    failed,
    on,
    stopped,
    succeeded,
    timed_out,
)
from glue_workflow.model.drift import DRIFT_SCRIPT, DriftCheck
from glue_workflow.model.gates import GATE_SCRIPT, Gate, GateCondition
from glue_workflow.model.job_arguments import CONTEXT_ARGUMENTS
from glue_workflow.model.jobs import Job, PythonShellJob, SparkJob
from glue_workflow.model.notify import ToEventBridge, ToSns
from glue_workflow.model.topology import LogicalTrigger, resolve_triggers
from glue_workflow.model.triggers import Action, Event, OnDemand, Scheduled, Trigger
from glue_workflow.model.workflow import PLACEHOLDERS, Node, Workflow

__all__ = [
    "CONTEXT_ARGUMENTS",
    "DRIFT_SCRIPT",
    "GATE_SCRIPT",
    "LISTENABLE_STATES",
    "PLACEHOLDERS",
    "Action",
    "Cache",
    "Condition",
    "Dependency",
    "DriftCheck",
    "Event",
    "Gate",
    "GateCondition",
    "Job",
    "LogicalTrigger",
    "Node",
    "OnDemand",
    "PythonShellJob",
    "Scheduled",
    "SparkJob",
    "ToEventBridge",
    "ToSns",
    "Trigger",
    "Workflow",
    "all_of",
    "any_of",
    "failed",
    "on",
    "resolve_triggers",
    "stopped",
    "succeeded",
    "timed_out",
]

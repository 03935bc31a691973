"""Executing a planned change set, and deleting a stack whose creation failed."""

from __future__ import annotations

from glue_workflow.errors import InfraError
from glue_workflow.infra.plan import RECREATE_STATES, Plan
from glue_workflow.infra.progress import (
    SUCCESS,
    EventSink,
    Waiting,
    baseline,
    failure_message,
    follow,
)
from glue_workflow.infra.stacks import CloudFormation, StackInfo


def execute_plan(
    cf: CloudFormation,
    plan: Plan,
    *,
    on_event: EventSink | None = None,
    waiting: Waiting | None = None,
) -> StackInfo:
    """Execute the plan's change set and follow the stack until it settles.

    Raises an InfraError naming every failing resource and its reason when the stack
    ends anywhere but CREATE_COMPLETE / UPDATE_COMPLETE.
    """
    if plan.change_set_id is None or plan.stack_id is None:
        raise InfraError(f"stack {plan.stack_name}: nothing to execute (no changes)")
    since, skip = baseline(cf, plan.stack_id)
    cf.execute_change_set(plan.change_set_id)
    info, events = follow(
        cf,
        plan.stack_id,
        since=since,
        skip=skip,
        on_event=on_event,
        waiting=waiting,
        # A CREATE change set's stack stays REVIEW_IN_PROGRESS until execution starts.
        settling=frozenset({"REVIEW_IN_PROGRESS"}),
    )
    if info.status in SUCCESS:
        return info
    action = "creation" if plan.change_set_type == "CREATE" else "update"
    message = failure_message(info, events, action.capitalize())
    if info.status in RECREATE_STATES:
        message += (
            "\nThe stack must be deleted before it can be created again: fix the cause, "
            "then run 'glue-wf infra deploy --yes' (it deletes the failed stack first)"
        )
    elif info.status == "UPDATE_ROLLBACK_COMPLETE":
        message += "\nCloudFormation rolled the stack back to its previous state."
    raise InfraError(message)


def delete_failed_stack(
    cf: CloudFormation,
    stack: StackInfo,
    *,
    on_event: EventSink | None = None,
    waiting: Waiting | None = None,
) -> None:
    """Delete a stack whose creation failed (it holds no live resources)."""
    if stack.status not in RECREATE_STATES:
        raise InfraError(f"stack {stack.name} is {stack.status}, not a failed creation")
    delete_and_follow(cf, stack, on_event=on_event, waiting=waiting)


def delete_and_follow(
    cf: CloudFormation,
    stack: StackInfo,
    *,
    on_event: EventSink | None = None,
    waiting: Waiting | None = None,
) -> StackInfo:
    """DeleteStack, then follow it to DELETE_COMPLETE (or explain the failure)."""
    since, skip = baseline(cf, stack.stack_id)
    cf.delete_stack(stack.stack_id)
    info, events = follow(
        cf, stack.stack_id, since=since, skip=skip, on_event=on_event, waiting=waiting
    )
    if info.status != "DELETE_COMPLETE":
        raise InfraError(
            failure_message(info, events, "Deletion")
            + "\nFix the cause (see the events above), then rerun 'glue-wf infra destroy'"
        )
    return info

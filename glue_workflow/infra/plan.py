"""Planning: a CloudFormation change set, created and described but not executed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.aws.errors import error_message
from glue_workflow.document import MANAGED_BY_TAG, OWNER_TAG
from glue_workflow.errors import InfraError
from glue_workflow.infra.changes import ChangeRow, change_rows
from glue_workflow.infra.progress import Waiting
from glue_workflow.infra.stacks import CloudFormation, StackInfo
from glue_workflow.infra.template import CAPABILITIES, StackParameters

# How CloudFormation says a change set would change nothing (change set / UpdateStack).
_NO_CHANGES = ("didn't contain changes", "No updates are to be performed")
# A stack in these states has no usable resources and cannot be updated: delete it first.
RECREATE_STATES = frozenset({"ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "CREATE_FAILED"})
_PENDING = frozenset({"CREATE_PENDING", "CREATE_IN_PROGRESS"})


class StackNeedsRecreateError(InfraError):
    """The stack's creation failed; CloudFormation only allows deleting it."""

    def __init__(self, stack: StackInfo) -> None:
        self.stack = stack
        super().__init__(
            f"stack {stack.name} is {stack.status}: its creation failed and CloudFormation "
            "cannot update it. Delete it with 'glue-wf infra destroy --yes' and deploy "
            "again, or run 'glue-wf infra deploy --yes', which deletes it first"
        )


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A created change set (or none, when nothing would change)."""

    stack_name: str
    stack_id: str | None
    change_set_type: str  # CREATE | UPDATE
    change_set_id: str | None
    changes: tuple[ChangeRow, ...] = ()
    parameters: StackParameters | None = None  # what the change set was created with

    @property
    def empty(self) -> bool:
        return self.change_set_id is None


def change_set_type(stack_name: str, existing: StackInfo | None) -> str:
    """CREATE for a new stack (or one only under review), UPDATE for a settled one."""
    if existing is None or existing.status == "REVIEW_IN_PROGRESS":
        return "CREATE"
    if existing.status in RECREATE_STATES:
        raise StackNeedsRecreateError(existing)
    if existing.in_progress:
        raise InfraError(
            f"stack {stack_name} is busy ({existing.status}): wait until the running "
            "operation ends ('glue-wf infra outputs' shows its status), then retry"
        )
    if existing.status == "UPDATE_ROLLBACK_FAILED":
        raise InfraError(
            f"stack {stack_name} is UPDATE_ROLLBACK_FAILED: finish the rollback with "
            f"'aws cloudformation continue-update-rollback --stack-name {stack_name}' "
            "(after fixing the resource its events name), then retry"
        )
    if existing.status == "DELETE_FAILED":
        raise InfraError(
            f"stack {stack_name} is DELETE_FAILED: rerun 'glue-wf infra destroy' (its "
            "events name the resource that could not be deleted)"
        )
    return "UPDATE"


def stack_tags(workflow_name: str) -> list[dict[str, str]]:
    """Tags on the stack, which CloudFormation propagates to the bucket and roles."""
    return [
        {"Key": OWNER_TAG, "Value": workflow_name},
        {"Key": MANAGED_BY_TAG, "Value": "glue-wf"},
    ]


def create_plan(
    cf: CloudFormation,
    *,
    stack_name: str,
    template_body: str,
    parameters: StackParameters,
    waiting: Waiting | None = None,
) -> Plan:
    """Create a change set for the template and wait until CloudFormation described it."""
    waiting = waiting or Waiting()
    existing = cf.describe(stack_name)
    kind = change_set_type(stack_name, existing)
    name = "glue-wf-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    try:
        created = cf.create_change_set(
            StackName=stack_name,
            ChangeSetName=name,
            ChangeSetType=kind,
            TemplateBody=template_body,
            Parameters=parameters.to_request(updating=kind == "UPDATE"),
            Capabilities=list(CAPABILITIES),
            Tags=stack_tags(parameters.workflow_name),
            Description=f"glue-wf infra for workflow {parameters.workflow_name}",
        )
    except ClientError as exc:
        if _means_no_changes(error_message(exc)):
            return Plan(
                stack_name=stack_name,
                stack_id=existing.stack_id if existing else None,
                change_set_type=kind,
                change_set_id=None,
            )
        raise cf.fail(f"creating a change set for stack {stack_name!r}", exc) from exc
    change_set_id = str(created["Id"])
    stack_id = str(created["StackId"])
    described = _wait_for_change_set(cf, change_set_id, waiting)
    plan = Plan(
        stack_name=stack_name,
        stack_id=stack_id,
        change_set_type=kind,
        change_set_id=change_set_id,
        changes=change_rows(described.get("Changes", [])),
        parameters=parameters,
    )
    if described.get("Status") == "FAILED":
        reason = str(described.get("StatusReason") or "no reason given")
        discard_plan(cf, plan)
        if _means_no_changes(reason):
            return Plan(
                stack_name=stack_name,
                stack_id=stack_id,
                change_set_type=kind,
                change_set_id=None,
            )
        raise InfraError(f"CloudFormation rejected the change set for stack {stack_name}: {reason}")
    return plan


def discard_plan(cf: CloudFormation, plan: Plan) -> None:
    """Delete the change set, and the empty stack a CREATE change set left under review."""
    if plan.change_set_id is None:
        return
    cf.delete_change_set(plan.change_set_id)
    if plan.change_set_type == "CREATE" and plan.stack_id:
        stack = cf.describe(plan.stack_id)
        if stack is not None and stack.status == "REVIEW_IN_PROGRESS":
            cf.delete_stack(plan.stack_id)


def _means_no_changes(message: str) -> bool:
    return any(marker in message for marker in _NO_CHANGES)


def _wait_for_change_set(
    cf: CloudFormation, change_set_id: str, waiting: Waiting
) -> dict[str, Any]:
    deadline = waiting.monotonic() + waiting.timeout_seconds
    while True:
        described = cf.describe_change_set(change_set_id)
        status = str(described.get("Status", ""))
        if status not in _PENDING:
            return described
        if waiting.monotonic() >= deadline:
            raise InfraError(
                f"change set {change_set_id} is still {status} after {waiting.timeout_seconds:.0f}s"
            )
        waiting.sleep(min(waiting.poll_seconds, 2.0))

"""Executors: apply a plan's instructions in order, or only show them (dry run).

Instructions are applied one at a time, so trigger writes on a workflow are
serialized. Each write is idempotent given a fresh plan: an interrupted deploy
converges when rerun (the rerun re-reads the target and plans what is left).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from glue_workflow.aws.errors import ResourceNotFound
from glue_workflow.aws.retry import RetryPolicy
from glue_workflow.deploy.event_rules import EventsDeployApi
from glue_workflow.deploy.glue_deploy_calls import GlueDeployApi
from glue_workflow.deploy.plan import ACTIVATED, ACTIVE_STATES, REPLACE, Instruction, Plan
from glue_workflow.deploy.store_api import S3Api, split_s3_uri
from glue_workflow.errors import DeployError

TRANSITIONAL_STATES = frozenset({"CREATING", "UPDATING", "ACTIVATING", "DEACTIVATING"})
Echo = Callable[[str], None]


def _silent(_: str) -> None:
    return None


@dataclass(frozen=True, kw_only=True)
class DisplayExecutor:
    """The dry run: prints what would be done, calls nothing."""

    echo: Echo = _silent

    def execute(self, plan: Plan) -> None:
        if plan.empty:
            self.echo(f"workflow {plan.workflow_name}: up to date, nothing to do")
            return
        for instruction in plan.instructions:
            self.echo(f"would {instruction.describe()}")


@dataclass(frozen=True, kw_only=True)
class Executor:
    """Applies instructions through the Glue and S3 facades."""

    glue: GlueDeployApi
    s3: S3Api | None = None
    echo: Echo = _silent
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    # polls of GetTrigger while a trigger is CREATING/UPDATING/...
    settle_attempts: int = 20
    events: EventsDeployApi | None = None  # EventBridge: the rule of event-started workflows

    def execute(self, plan: Plan) -> None:
        for instruction in plan.instructions:
            self.echo(instruction.describe())
            self.apply(instruction)

    def apply(self, step: Instruction) -> None:
        handler = self._handlers().get((step.action, step.type))
        if handler is None:
            raise DeployError(f"cannot {step.action} a {step.type} (internal plan error)")
        handler(step)

    def _handlers(self) -> dict[tuple[str, str], Callable[[Instruction], None]]:
        """(action, resource type) -> the method that applies it."""
        return {
            ("upload", "artifact"): self._upload_artifact,
            ("create", "workflow"): self._create_workflow,
            ("update", "workflow"): self._update_workflow,
            ("delete", "workflow"): self._delete_workflow,
            ("create", "job"): self._create_job,
            ("update", "job"): self._update_job,
            ("delete", "job"): self._delete_job,
            ("create", "trigger"): self._create_trigger,
            ("update", "trigger"): self._update_trigger,
            ("delete", "trigger"): self._delete_trigger,
            ("activate", "trigger"): self._activate_trigger,
            ("deactivate", "trigger"): self._deactivate_trigger,
            ("create", "rule"): self._create_rule,
            ("update", "rule"): self._update_rule,
            ("delete", "rule"): self._delete_rule,
            ("tag", "workflow"): self._tag_glue,
            ("tag", "job"): self._tag_glue,
            ("tag", "trigger"): self._tag_glue,
            ("tag", "rule"): self._tag_rule,
        }

    # -- artifacts ---------------------------------------------------------------------

    def _upload_artifact(self, step: Instruction) -> None:
        if self.s3 is None or step.artifact is None:
            raise DeployError(f"upload of {step.name}: no S3 client or content")
        bucket, key = split_s3_uri(step.artifact.uri)
        self.s3.put(bucket, key, step.artifact.content, step.artifact.sha256)

    # -- workflow ----------------------------------------------------------------------

    def _create_workflow(self, step: Instruction) -> None:
        self.glue.create_workflow(step.request)

    def _update_workflow(self, step: Instruction) -> None:
        self.glue.update_workflow(step.request)

    def _delete_workflow(self, step: Instruction) -> None:
        self.glue.delete_workflow(step.name)

    # -- jobs --------------------------------------------------------------------------

    def _create_job(self, step: Instruction) -> None:
        self.glue.create_job(step.request)

    def _update_job(self, step: Instruction) -> None:
        self.glue.update_job(step.request)

    def _delete_job(self, step: Instruction) -> None:
        self.glue.delete_job(step.name)

    # -- triggers ----------------------------------------------------------------------

    def _create_trigger(self, step: Instruction) -> None:
        self.glue.create_trigger(step.request)
        self._reconcile(step)

    def _update_trigger(self, step: Instruction) -> None:
        self.glue.update_trigger(step.request)
        self._reconcile(step)

    def _delete_trigger(self, step: Instruction) -> None:
        self.glue.delete_trigger(step.name)
        if (step.reason or "").startswith(REPLACE):
            self._deleted(step.name)

    def _deleted(self, name: str) -> None:
        """Wait until a deleted trigger is gone before one of its name is created again:
        Glue deletes triggers asynchronously (DELETING for a minute or two,
        hashicorp/terraform-provider-aws#19826, whose provider waits up to 2 minutes)."""
        for attempt in range(1, self.settle_attempts + 1):
            try:
                state = str(self.glue.get_trigger(name).get("State", ""))
            except ResourceNotFound:
                return
            self.policy.sleep(self.policy.delay(attempt))
        raise DeployError(
            f"trigger {name} is still {state or 'there'} after its deletion; wait a minute, "
            "then rerun glue-wf deploy (it creates the trigger again)"
        )

    def _activate_trigger(self, step: Instruction) -> None:
        self._reconcile(step)

    def _deactivate_trigger(self, step: Instruction) -> None:
        self._reconcile(step)

    # -- EventBridge rule ---------------------------------------------------------------

    def _events(self) -> EventsDeployApi:
        if self.events is None:
            raise DeployError("the plan writes an EventBridge rule but no EventBridge client")
        return self.events

    def _create_rule(self, step: Instruction) -> None:
        self._events().put(step.request, None)

    def _update_rule(self, step: Instruction) -> None:
        self._events().put(step.request, step.request.get("current"))

    def _delete_rule(self, step: Instruction) -> None:
        self._events().delete(step.name)

    # -- tags --------------------------------------------------------------------------

    def _tag_glue(self, step: Instruction) -> None:
        request = step.request
        self.glue.tag_resource(
            request["ResourceArn"], request["TagsToAdd"], request["TagsToRemove"]
        )

    def _tag_rule(self, step: Instruction) -> None:
        request = step.request
        self._events().tag(request["ResourceArn"], request["TagsToAdd"], request["TagsToRemove"])

    def _reconcile(self, step: Instruction) -> None:
        """Read State, then StartTrigger/StopTrigger until it matches the desired one."""
        if step.activation is None:
            return  # ON_DEMAND: deploy never starts it (StartTrigger would start a run)
        if step.request.get("Type", "ON_DEMAND") == "ON_DEMAND":
            raise DeployError(f"refusing to activate ON_DEMAND trigger {step.name}")
        state = self._settled_state(step.name)
        active = state in ACTIVE_STATES
        if step.activation == ACTIVATED and not active:
            self.glue.start_trigger(step.name)
        elif step.activation != ACTIVATED and active:
            self.glue.stop_trigger(step.name)

    def _settled_state(self, name: str) -> str:
        for attempt in range(1, self.settle_attempts + 1):
            try:
                state = str(self.glue.get_trigger(name).get("State", ""))
            except ResourceNotFound as exc:
                raise DeployError(
                    f"trigger {name} disappeared while deploying: rerun glue-wf deploy"
                ) from exc
            if state not in TRANSITIONAL_STATES:
                return state
            self.policy.sleep(self.policy.delay(attempt))
        raise DeployError(
            f"trigger {name} stayed in a transitional state ({state}); rerun glue-wf deploy"
        )

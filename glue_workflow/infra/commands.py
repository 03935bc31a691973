"""What ``glue-wf infra plan | deploy | destroy | outputs`` do, independent of click.

Output goes through ``echo`` and questions through ``confirm`` so the CLI decides
how they look; every function acts on the AWS target only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from glue_workflow.config import Settings
from glue_workflow.errors import ConfigError, InfraError
from glue_workflow.infra import require_aws_target
from glue_workflow.infra.apply import delete_failed_stack, execute_plan
from glue_workflow.infra.changes import render_table
from glue_workflow.infra.destroy import execute_destroy, prepare_destroy
from glue_workflow.infra.outputs import OUTPUT_KEYS, stack_outputs
from glue_workflow.infra.plan import Plan, StackNeedsRecreateError, create_plan, discard_plan
from glue_workflow.infra.progress import Waiting
from glue_workflow.infra.scopes import (
    EVENTS_PARAMETER,
    SNS_PARAMETER,
    PolicyScopes,
    derive_scopes,
)
from glue_workflow.infra.stacks import CloudFormation, StackEvent, StackInfo
from glue_workflow.infra.template import StackParameters, read_template, template_path

Echo = Callable[[str], None]
Confirm = Callable[[str], bool]


@dataclass(frozen=True, kw_only=True)
class StackOptions:
    """Command-line choices for the template's parameters (None: derive or keep)."""

    workflow_name: str | None = None
    # extra names per run property (endpoint_name, model_package_group) to allow
    allow: tuple[tuple[str, str], ...] = ()
    bucket_name: str | None = None
    kms_key_arn: str | None = None
    template: Path | None = None


@dataclass(frozen=True, kw_only=True)
class InfraContext:
    """Settings plus the clients and I/O callbacks the commands use."""

    settings: Settings
    session: Any
    echo: Echo
    waiting: Waiting = field(default_factory=Waiting)

    @cached_property
    def cf(self) -> CloudFormation:
        from glue_workflow.aws import clients

        return CloudFormation(clients.client(self.settings, "cloudformation", self.session))

    @cached_property
    def s3(self) -> Any:
        from glue_workflow.aws import clients

        return clients.client(self.settings, "s3", self.session)

    @cached_property
    def account(self) -> str:
        """The caller's account: the stack's, whose ARNs the policies name."""
        from glue_workflow.aws import clients

        sts = clients.client(self.settings, "sts", self.session)
        return str(sts.get_caller_identity()["Account"])

    def show_event(self, event: StackEvent) -> None:
        self.echo(event.line())


def open_context(settings: Settings, echo: Echo, *, session: Any = None) -> InfraContext:
    """Refuse the local target; otherwise a context on the AWS session."""
    require_aws_target(settings)
    from glue_workflow.aws import clients

    return InfraContext(
        settings=settings, session=session or clients.session_for(settings), echo=echo
    )


def load_for_scopes(settings: Settings) -> Any:
    """The workflow the roles are derived from, or a ConfigError naming the fix."""
    from glue_workflow.definition import load_workflow

    try:
        return load_workflow(settings)
    except Exception as exc:  # the definition is user code: any failure is reported
        raise ConfigError(
            f"cannot read the workflow from {settings.definition}: {exc}; the roles are "
            "scoped to its name, default run properties and the SageMaker and "
            "notifications it uses: fix the definition"
        ) from exc


def policy_scopes(settings: Settings, options: StackOptions) -> PolicyScopes:
    """What the roles will allow: derived from the workflow plus ``--allow`` names."""
    from glue_workflow.infra.scopes import NAMED_RESOURCES, usage_of

    workflow = load_for_scopes(settings)
    extra: dict[str, list[str]] = {}
    for prop, value in options.allow:
        if prop not in NAMED_RESOURCES:
            raise ConfigError(
                f"--allow {prop}={value}: only {', '.join(NAMED_RESOURCES)} name SageMaker "
                "resources the roles are scoped to"
            )
        extra.setdefault(prop, []).append(value)
    return derive_scopes(
        options.workflow_name or workflow.name,
        dict(workflow.default_run_properties),
        extra,
        usage=usage_of(workflow),
    )


def stack_parameters(ctx: InfraContext, options: StackOptions) -> StackParameters:
    from glue_workflow.naming import partition

    scopes = policy_scopes(ctx.settings, options)
    region = ctx.settings.region
    return StackParameters(
        workflow_name=scopes.workflow_name,
        scope_arns=scopes.arns(partition=partition(region), region=region, account=ctx.account),
        notify=scopes.notify_parameters(),
        bucket_name=options.bucket_name,
        kms_key_arn=options.kms_key_arn,
    )


def run_plan(ctx: InfraContext, options: StackOptions, *, keep: bool = False) -> Plan:
    """Create the change set, show it, and (unless ``keep``) delete it again."""
    plan = _plan(ctx, options)
    if not keep:
        discard_plan(ctx.cf, plan)
    return plan


def describe_plan(plan: Plan) -> str:
    if plan.empty:
        return f"stack {plan.stack_name}: no changes (the deployed stack matches the template)"
    verb = "create" if plan.change_set_type == "CREATE" else "update"
    text = (
        f"stack {plan.stack_name}: change set to {verb} it ({len(plan.changes)} "
        f"resource change(s)):\n{render_table(plan.changes)}"
    )
    if plan.parameters:
        text += "\n" + "\n".join(granted_lines(plan.parameters))
    return text


def granted_lines(parameters: StackParameters) -> list[str]:
    """What the Glue job role may use beyond Glue and S3, as the parameters grant it."""
    name = parameters.workflow_name
    lines = []
    if any(parameters.scope_arns.values()):
        lines.append(f"SageMaker resources the Glue job role of {name} may use:")
        for key, arns in parameters.scope_arns.items():
            listed = [f"    {arn}" for arn in arns.split(",") if arn]
            lines += [f"  {key}:", *(listed or ["    (none: not granted)"])]
    elif parameters.scope_arns:
        lines.append(
            f"SageMaker: not granted (no node of {name} is handed sagemaker_role_arn, and "
            "it names no endpoint_name or model_package_group): no SageMaker statement, "
            "no iam:PassRole, no SageMaker execution role"
        )
    if parameters.notify:
        kinds = {
            SNS_PARAMETER: "sns:Publish on the stack's topic",
            EVENTS_PARAMETER: "events:PutEvents on the default bus",
        }
        used = [kinds[k] for k, v in parameters.notify.items() if v == "true" and k in kinds]
        lines.append(
            f"Verdict notifications the Glue job role may publish: {'; '.join(used)}"
            if used
            else f"Verdict notifications: not granted (no notify= target in {name})"
        )
    return lines


def run_deploy(
    ctx: InfraContext, options: StackOptions, *, yes: bool, confirm: Confirm
) -> StackInfo | None:
    """Plan, confirm, execute and follow; the deployed stack (None when unchanged)."""
    try:
        plan = _plan(ctx, options)
    except StackNeedsRecreateError as exc:
        failed = exc.stack
        question = (
            f"Stack {failed.name} is {failed.status} (its creation failed) and can only be "
            "deleted. Delete it now and create it again?"
        )
        if not (yes or confirm(question)):
            raise
        ctx.echo(f"deleting failed stack {failed.name} ({failed.status})")
        delete_failed_stack(ctx.cf, failed, on_event=ctx.show_event, waiting=ctx.waiting)
        plan = _plan(ctx, options)
    ctx.echo(describe_plan(plan))
    if plan.empty:
        return None
    executed = False
    try:
        if not (yes or confirm("Execute this change set?")):
            raise InfraError("deploy cancelled: the change set was deleted, nothing changed")
        executed = True
        stack = execute_plan(ctx.cf, plan, on_event=ctx.show_event, waiting=ctx.waiting)
    finally:
        if not executed:
            discard_plan(ctx.cf, plan)
    ctx.echo(f"stack {stack.name}: {stack.status}")
    ctx.echo(render_outputs(stack))
    return stack


def run_destroy(
    ctx: InfraContext, *, yes: bool, force_empty_bucket: bool, confirm: Confirm
) -> bool:
    """Delete the stack (and, when forced, every object version first); False if absent."""
    cf, s3 = ctx.cf, ctx.s3
    name = ctx.settings.stack_name
    plan = prepare_destroy(cf, s3, name, force_empty_bucket=force_empty_bucket)
    if plan is None:
        ctx.echo(f"stack {name} does not exist in {cf.region}: nothing to destroy")
        return False
    what = f"stack {name} ({plan.stack.status})"
    if plan.bucket and not plan.bucket_empty:
        what += f" and EVERY object version in bucket {plan.bucket}"
    elif plan.bucket:
        what += f" and its empty bucket {plan.bucket}"
    if not (yes or confirm(f"Delete {what}?")):
        raise InfraError("destroy cancelled: nothing was deleted")
    deleted = execute_destroy(cf, s3, plan, on_event=ctx.show_event, waiting=ctx.waiting)
    if deleted:
        ctx.echo(f"deleted {deleted} object version(s) from bucket {plan.bucket}")
    ctx.echo(f"stack {name}: DELETE_COMPLETE")
    return True


def run_outputs(ctx: InfraContext) -> StackInfo:
    return stack_outputs(ctx.cf, ctx.settings.stack_name)


def render_outputs(stack: StackInfo) -> str:
    width = max(len(key) for key in OUTPUT_KEYS.values())
    lines = [
        f"{key.ljust(width)}  {stack.outputs.get(key, '(missing)')}" for key in OUTPUT_KEYS.values()
    ]
    return "\n".join(lines)


def _plan(ctx: InfraContext, options: StackOptions) -> Plan:
    body = read_template(template_path(ctx.settings, options.template))
    parameters = stack_parameters(ctx, options)
    return create_plan(
        ctx.cf,
        stack_name=ctx.settings.stack_name,
        template_body=body,
        parameters=parameters,
        waiting=ctx.waiting,
    )

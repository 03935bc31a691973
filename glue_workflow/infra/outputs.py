"""The stack's outputs: the bucket and role ARNs a command needs on AWS.

``resolve_target`` builds a command's ``Target`` once: the settings' values, and on
``--target aws`` the ``glue-wf infra deploy`` stack's outputs for those it needs and
the settings leave unset.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from glue_workflow.aws.target import BUCKET_ONLY, DEPLOY_RESOURCES, OPTIONAL_RESOURCES, Target
from glue_workflow.config import CONFIG_FILE, Settings
from glue_workflow.errors import ConfigError
from glue_workflow.infra.stacks import CloudFormation, StackInfo

# Target field → stack output (contract: these output names are fixed).
OUTPUT_KEYS = {
    "bucket": "ArtifactsBucketName",
    "glue_role_arn": "GlueJobRoleArn",
    "sagemaker_role_arn": "SageMakerExecutionRoleArn",
}
EVENTS_ROLE_OUTPUT = "EventsRoleArn"
USABLE_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})


def cloudformation(settings: Settings, session: Any) -> CloudFormation:
    """The CloudFormation facade over the settings' target client."""
    from glue_workflow.aws import clients

    return CloudFormation(clients.client(settings, "cloudformation", session))


def stack_outputs(
    cf: CloudFormation, stack_name: str, *, needs: frozenset[str] = DEPLOY_RESOURCES
) -> StackInfo:
    """The deployed stack, or a ConfigError naming ``glue-wf infra deploy``."""
    stack = cf.describe(stack_name)
    if stack is None:
        fix = (
            "create the bucket with 'glue-wf infra deploy' (see infra/README.md), or set "
            f"bucket in the [target.aws] table of {CONFIG_FILE}"
            if needs == BUCKET_ONLY
            else "create the bucket and roles with 'glue-wf infra deploy' (see "
            f"infra/README.md), or name them in the [target.aws] table of {CONFIG_FILE}"
        )
        raise ConfigError(
            f"CloudFormation stack {stack_name!r} does not exist in {cf.region}: {fix}"
        )
    if stack.status not in USABLE_STATES:
        raise ConfigError(
            f"CloudFormation stack {stack_name!r} in {cf.region} is {stack.status}, so its "
            "outputs cannot be used: run 'glue-wf infra deploy' (see infra/README.md)"
        )
    return stack


def resolve_target(
    settings: Settings, session: Any = None, *, needs: frozenset[str] = DEPLOY_RESOURCES
) -> Target:
    """The command's target: the settings, plus the stack's outputs where they are unset.

    The stack is read only on AWS and only when one of ``needs`` (fields of
    ``aws.target.RESOURCE_SETTINGS``) is unset; values the settings name win over the
    stack's. Raises ConfigError naming ``glue-wf infra deploy`` when the stack is
    missing or still leaves one of ``needs`` unset (but the SageMaker role, which a
    stack of a workflow without SageMaker does not have).
    """
    target = Target.from_settings(settings)
    if target.is_local or not target.missing(needs):
        return target
    if session is None:
        from glue_workflow.aws.clients import session_for

        session = session_for(settings)
    cf = cloudformation(settings, session)
    found = stack_outputs(cf, settings.stack_name, needs=needs).outputs

    def pick(name: str) -> str | None:
        current: str | None = getattr(target, name)
        return current or found.get(OUTPUT_KEYS[name]) or None

    resolved = dataclasses.replace(
        target,
        bucket=pick("bucket"),
        glue_role_arn=pick("glue_role_arn"),
        sagemaker_role_arn=pick("sagemaker_role_arn"),
        # optional: only event-started workflows need it (compile says so when missing)
        events_role_arn=target.events_role_arn or found.get(EVENTS_ROLE_OUTPUT) or None,
    )
    resolved.require(needs - OPTIONAL_RESOURCES)  # raises naming what is missing and the fix
    return resolved


def fill_from_stack(settings: Settings, session: Any) -> Settings:
    """Settings with bucket and role ARNs from ``resolve_target`` (unchanged if complete)."""
    target = resolve_target(settings, session)
    if target == Target.from_settings(settings):
        return settings
    return dataclasses.replace(
        settings,
        bucket=target.bucket,
        glue_role_arn=target.glue_role_arn,
        sagemaker_role_arn=target.sagemaker_role_arn,
        events_role_arn=target.events_role_arn,
    )

"""The stack's outputs: the bucket and role ARNs ``glue-wf deploy`` needs on AWS."""

from __future__ import annotations

import dataclasses
from typing import Any

from glue_workflow.config import CONFIG_FILE, Settings
from glue_workflow.errors import ConfigError
from glue_workflow.infra.stacks import CloudFormation, StackInfo

# Settings field → stack output (contract: these output names are fixed).
OUTPUT_KEYS = {
    "bucket": "ArtifactsBucketName",
    "glue_role_arn": "GlueJobRoleArn",
    "sagemaker_role_arn": "SageMakerExecutionRoleArn",
}
EVENTS_ROLE_OUTPUT = "EventsRoleArn"
USABLE_STATES = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"})


def cloudformation(settings: Settings, session: Any) -> CloudFormation:
    """The CloudFormation facade over the settings' target client."""
    from glue_workflow import clients

    return CloudFormation(clients.client(settings, "cloudformation", session))


def stack_outputs(cf: CloudFormation, stack_name: str) -> StackInfo:
    """The deployed stack, or a ConfigError naming ``glue-wf infra deploy``."""
    stack = cf.describe(stack_name)
    if stack is None:
        raise ConfigError(
            f"CloudFormation stack {stack_name!r} does not exist in {cf.region}: create the "
            "bucket and roles with 'glue-wf infra deploy' (see infra/README.md), or name "
            f"them in the [target.aws] table of {CONFIG_FILE}"
        )
    if stack.status not in USABLE_STATES:
        raise ConfigError(
            f"CloudFormation stack {stack_name!r} in {cf.region} is {stack.status}, so its "
            "outputs cannot be used: run 'glue-wf infra deploy' (see infra/README.md)"
        )
    return stack


def fill_from_stack(settings: Settings, session: Any) -> Settings:
    """Settings with bucket and role ARNs taken from the stack where they are unset.

    Local target: unchanged (no CloudFormation). Values the settings name win over
    the stack's. Raises ConfigError pointing at ``glue-wf infra deploy`` when the
    stack is missing or still leaves one of them unset.
    """
    if settings.is_local:
        return settings
    missing = [name for name in OUTPUT_KEYS if not getattr(settings, name)]
    if not missing:
        return settings
    stack = stack_outputs(cloudformation(settings, session), settings.stack_name)
    found = stack.outputs

    def pick(name: str) -> str | None:
        current: str | None = getattr(settings, name)
        return current or found.get(OUTPUT_KEYS[name]) or None

    result = dataclasses.replace(
        settings,
        bucket=pick("bucket"),
        glue_role_arn=pick("glue_role_arn"),
        sagemaker_role_arn=pick("sagemaker_role_arn"),
        # optional: only event-started workflows need it (compile says so when missing)
        events_role_arn=settings.events_role_arn or found.get(EVENTS_ROLE_OUTPUT) or None,
    )
    result.require_aws_resources()  # raises naming what is still missing and the fix
    return result

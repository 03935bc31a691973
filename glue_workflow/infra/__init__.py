"""The AWS resources a workflow needs (bucket, Glue job role, SageMaker role).

They are declared in ``infra/template.yaml`` and managed as one CloudFormation stack
through change sets: ``plan`` creates and shows one, ``deploy`` executes it,
``destroy`` deletes the stack (refusing to drop a non-empty bucket unless told).
``outputs.fill_from_stack`` lets ``glue-wf deploy`` find the bucket and roles.
The local target has no CloudFormation: its bucket and roles are built in.
"""

from __future__ import annotations

from glue_workflow.config import Settings
from glue_workflow.errors import NotSupportedError

LOCAL_TARGET_MESSAGE = (
    "'glue-wf infra' manages a CloudFormation stack on AWS; the local target needs no "
    "infra (its bucket {bucket!r} and roles are built in). Use --target aws (or "
    "GLUE_WF_TARGET=aws) to plan, deploy or destroy the AWS stack"
)


def require_aws_target(settings: Settings) -> None:
    """Refuse the local target, which has no CloudFormation and needs no stack."""
    if settings.is_local:
        raise NotSupportedError(LOCAL_TARGET_MESSAGE.format(bucket=settings.bucket))

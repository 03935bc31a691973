"""Refusing a run property the Glue job role's policy would deny, before the run starts.

On AWS the scopes are read from the deployed infra stack (its ``SageMaker*Arns``
parameters); on the local target, which enforces no IAM, from what
``glue-wf infra deploy`` would deploy for the workflow's defaults, so what runs
locally also runs on AWS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from glue_workflow.config import Settings
from glue_workflow.errors import ConfigError, InfraError, Problem
from glue_workflow.infra.scopes import (
    INPUT_PROPERTY,
    NAMED_RESOURCES,
    PolicyScopes,
    derive_scopes,
)
from glue_workflow.naming import readable_prefixes


class PolicyDeniedError(ConfigError):
    """A run property names a resource the workflow's IAM policy does not allow."""


@dataclass(frozen=True, kw_only=True)
class Denied:
    """One run property whose resource the policy would deny."""

    prop: str
    value: str
    path: str  # the first ARN resource part not allowed


@dataclass(frozen=True, kw_only=True)
class Scopes:
    """Scopes to check against, and where they come from (for the message)."""

    scopes: PolicyScopes
    deployed: bool  # True: read from the stack; False: derived from the definition
    stack_name: str = ""
    bucket: str | None = None  # the artifacts bucket (None: unknown, S3 not checked)


def denied(source: Scopes, properties: Mapping[str, str]) -> list[Denied]:
    """Every property in ``properties`` naming a resource the scopes do not allow."""
    found = []
    for prop, resource in NAMED_RESOURCES.items():
        value = properties.get(prop)
        if not value:
            continue
        for path in resource.paths(value):
            if not source.scopes.allows(resource.parameter, path):
                found.append(Denied(prop=prop, value=value, path=path))
                break
    uri = properties.get(INPUT_PROPERTY, "")
    if source.bucket and uri.startswith("s3://"):
        uri = uri.replace("{bucket}", source.bucket)  # a definition's placeholder
        if not uri.startswith(readable_prefixes(source.bucket, source.scopes.workflow_name)):
            found.append(Denied(prop=INPUT_PROPERTY, value=uri, path=uri))
    return found


def _input_message(item: Denied, source: Scopes, policy: str) -> str:
    bucket, _, key = item.value.removeprefix("s3://").partition("/")
    data, outputs = readable_prefixes(str(source.bucket), source.scopes.workflow_name)
    return (
        f"run property {item.prop}={item.value!r} would be denied on AWS: {policy} reads "
        f"objects under {data} and {outputs} only, so s3:GetObject on "
        f"arn:...:s3:::{bucket}/{key} would be missing. Put the data under {data} "
        "(glue-wf upload-data FILE), or widen the ReadInputData statement of "
        "infra/template.yaml and rerun 'glue-wf infra deploy --target aws'"
    )


def message(item: Denied, source: Scopes, settings: Settings) -> str:
    """What would be denied, which permission is missing, and how to widen the policy."""
    if item.prop == INPUT_PROPERTY:
        policy = (
            f"the Glue job role of stack {source.stack_name!r}"
            if source.deployed
            else "the Glue job role 'glue-wf infra deploy' creates"
        )
        return _input_message(item, source, policy)
    resource = NAMED_RESOURCES[item.prop]
    names = source.scopes.names(resource)
    allowed = f"the {resource.kind}(s) {', '.join(names)} only" if names else f"no {resource.kind}"
    actions = ", ".join(resource.actions)
    what = f"{item.prop}={item.value!r}"
    if source.deployed:
        policy = f"the Glue job role of stack {source.stack_name!r}"
        widen = (
            f"make it the workflow's default (default_run_properties[{item.prop!r}] in "
            f"{settings.definition}) or pass --allow {item.prop}={item.value} to 'glue-wf "
            "infra deploy --target aws', then rerun 'glue-wf infra deploy --target aws'"
        )
    else:
        policy = "the Glue job role 'glue-wf infra deploy' creates for the workflow's defaults"
        widen = (
            f"make it the workflow's default (default_run_properties[{item.prop!r}] in "
            f"{settings.definition}), deploy, and on AWS rerun 'glue-wf infra deploy'"
        )
    return (
        f"run property {what} would be denied on AWS: {policy} allows {allowed}, so "
        f"{actions} on "
        f"arn:...:sagemaker:...:{item.path} would be missing. To use it, {widen}"
    )


def scopes_for_run(
    settings: Settings,
    workflow_name: str,
    defaults: Mapping[str, str],
    *,
    session: Any = None,
) -> Scopes | None:
    """The scopes runs of ``workflow_name`` are held to (None: glue-wf cannot tell).

    AWS: the stack's parameters; None when there is no stack, when its template
    predates the scope parameters, or when ``glue_role_arn`` names a role of the
    user's own (its policy is not glue-wf's to read).
    """
    if settings.is_local:
        scopes = derive_scopes(workflow_name, defaults)
        return Scopes(scopes=scopes, deployed=False, bucket=settings.bucket)
    from glue_workflow.infra.outputs import cloudformation
    from glue_workflow.infra.scopes import scopes_from_parameters

    if session is None:
        from glue_workflow.aws import clients

        session = clients.session_for(settings)
    try:
        stack = cloudformation(settings, session).describe(settings.stack_name)
    except InfraError:  # e.g. no cloudformation:DescribeStacks: AWS still enforces
        return None
    if stack is None:
        return None
    own_role = settings.glue_role_arn
    if own_role and own_role != stack.outputs.get("GlueJobRoleArn", own_role):
        return None
    if stack.parameters.get("WorkflowName") not in (None, workflow_name):
        raise PolicyDeniedError(
            f"stack {settings.stack_name!r} holds the roles of workflow "
            f"{stack.parameters['WorkflowName']!r}, not {workflow_name!r}: its Glue job role "
            "may not read this workflow's run properties nor name its SageMaker jobs. "
            "Deploy a stack for this workflow (stack_name in [target.aws] of glue-wf.toml, "
            "then 'glue-wf infra deploy --target aws')"
        )
    deployed = scopes_from_parameters(workflow_name, stack.parameters)
    if deployed is None:
        return None
    bucket = settings.bucket or stack.outputs.get("ArtifactsBucketName")
    return Scopes(scopes=deployed, deployed=True, stack_name=settings.stack_name, bucket=bucket)


def check_run_properties(
    settings: Settings,
    name: str,
    defaults: Mapping[str, str],
    overrides: Mapping[str, str],
    *,
    session: Any = None,
) -> None:
    """Refuse a run whose properties (``defaults`` of the deployed workflow ``name``
    with ``overrides``) the Glue job role's policy would deny."""
    effective = {**defaults, **overrides}
    if not any(effective.get(prop) for prop in (*NAMED_RESOURCES, INPUT_PROPERTY)):
        return
    source = scopes_for_run(settings, name, defaults, session=session)
    if source is None:
        return
    problems = denied(source, effective)
    if problems:
        raise PolicyDeniedError("\n".join(message(p, source, settings) for p in problems))


def definition_problems(
    settings: Settings, workflow_name: str, defaults: Mapping[str, str], *, session: Any = None
) -> list[Problem]:
    """``validate --target aws``: the defaults the deployed stack's policy would deny.

    A warning when there is no stack (or none glue-wf can read) to check against; on
    the local target nothing to check: its policy is derived from these defaults.
    """
    if settings.is_local:
        return []
    where = f"workflow {workflow_name!r}"
    try:
        source = scopes_for_run(settings, workflow_name, defaults, session=session)
    except PolicyDeniedError as exc:
        return [Problem(where=where, rule="iam", message=str(exc))]
    if source is None:
        return [
            Problem(
                where=where,
                rule="iam",
                severity="warning",
                message=(
                    f"IAM scopes not checked: no readable glue-wf infra stack "
                    f"{settings.stack_name!r} in {settings.region} (deploy it with 'glue-wf "
                    "infra deploy --target aws', or the roles in glue-wf.toml are your own)"
                ),
            )
        ]
    return [
        Problem(
            where=f"{where} default_run_properties[{item.prop!r}]",
            rule="iam",
            message=message(item, source, settings),
        )
        for item in denied(source, defaults)
    ]

"""Deployment stages declared in ``glue-wf.toml`` (``[stages.<name>]``).

Each stage is one SageMaker endpoint a model package is promoted to::

    [stages.prod]
    endpoint = "churn-prod"          # the endpoint name (created on first promotion)
    instance_type = "ml.m5.large"    # default ml.m5.large
    instance_count = 2               # default 1
    approval_required = true         # `glue-wf approve --stage prod` first; default false
    smoke_test_uri = "s3://bucket/prefix/test/"  # label-first CSV rows (optional)
    after = "qa"                     # only packages promoted to qa first; default: any
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from glue_workflow.errors import ConfigError

STAGE_NAME = re.compile(r"[a-z][a-z0-9-]{0,31}")
# SageMaker endpoint names (CreateEndpoint EndpointName pattern, botocore's service model).
ENDPOINT_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
# Instance types of real-time endpoints are ml.<family>.<size> (ProductionVariantInstanceType).
INSTANCE_TYPE = re.compile(r"ml\.[a-z0-9-]+\.[a-z0-9]+")
KEYS = (
    "endpoint",
    "instance_type",
    "instance_count",
    "approval_required",
    "smoke_test_uri",
    "after",
)
DEFAULT_INSTANCE_TYPE = "ml.m5.large"


@dataclass(frozen=True, kw_only=True)
class Stage:
    """One deployment stage: where a promoted model package is served."""

    name: str
    endpoint: str
    instance_type: str = DEFAULT_INSTANCE_TYPE
    instance_count: int = 1
    approval_required: bool = False
    smoke_test_uri: str | None = None  # s3:// prefix of label-first CSV rows
    after: str | None = None  # the stage a package must have been promoted to first


def parse_stages(data: Any, where: str) -> tuple[Stage, ...]:
    """The ``[stages]`` table of glue-wf.toml (``where`` names the file), validated."""
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where}: [stages] must be a table of stage tables such as [stages.prod], "
            f"got {type(data).__name__}"
        )
    stages = tuple(_stage(name, table, where) for name, table in data.items())
    _check_order(stages, where)
    endpoints: dict[str, str] = {}
    for stage in stages:
        other = endpoints.setdefault(stage.endpoint.lower(), stage.name)
        if other != stage.name:
            raise ConfigError(
                f"{where} [stages.{stage.name}] endpoint {stage.endpoint!r} is also the endpoint "
                f"of [stages.{other}]: give each stage its own endpoint"
            )
    return stages


def _check_order(stages: tuple[Stage, ...], where: str) -> None:
    """Each ``after`` names another declared stage, and following them never loops."""
    by_name = {s.name: s for s in stages}
    for stage in stages:
        if stage.after is None:
            continue
        at = f"{where} [stages.{stage.name}] after"
        if stage.after == stage.name:
            raise ConfigError(f"{at} names the stage itself: name the stage promoted to before it")
        if stage.after not in by_name:
            declared = ", ".join(n for n in by_name if n != stage.name) or "none"
            raise ConfigError(
                f"{at} = {stage.after!r} is not a declared stage (declared: {declared}): "
                f"add [stages.{stage.after}] or name one of them"
            )
        seen, step = [stage.name], by_name[stage.after]
        while step.after is not None and step.name not in seen:
            seen.append(step.name)
            step = by_name[step.after]
        if step.name in seen:
            loop = " -> ".join([*seen, step.name])
            raise ConfigError(
                f"{at}: the stages' order loops ({loop}): a package could never be promoted "
                "to any of them; remove after from the first stage of the flow"
            )


def _stage(name: str, table: Any, where: str) -> Stage:
    at = f"{where} [stages.{name}]"
    if not STAGE_NAME.fullmatch(name):
        raise ConfigError(
            f"{at}: stage name {name!r} must be 1-32 lowercase letters, digits and hyphens, "
            "starting with a letter (e.g. dev, qa, prod)"
        )
    if not isinstance(table, dict):
        raise ConfigError(f"{at} must be a table, got {table!r}")
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{at}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(KEYS)}"
        )
    endpoint = table.get("endpoint")
    if endpoint is None:
        raise ConfigError(f'{at}: endpoint is required, e.g. endpoint = "churn-{name}"')
    if not isinstance(endpoint, str) or not ENDPOINT_NAME.fullmatch(endpoint):
        raise ConfigError(
            f"{at} endpoint {endpoint!r} is not a valid SageMaker endpoint name: use at most 63 "
            "letters, digits and hyphens, starting and ending with a letter or digit"
        )
    instance_type = table.get("instance_type", DEFAULT_INSTANCE_TYPE)
    if not isinstance(instance_type, str) or not INSTANCE_TYPE.fullmatch(instance_type):
        raise ConfigError(
            f'{at} instance_type {instance_type!r} is not a SageMaker instance type such as "'
            f'{DEFAULT_INSTANCE_TYPE}"'
        )
    count = table.get("instance_count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"{at} instance_count must be a whole number >= 1, not {count!r}")
    approval = table.get("approval_required", False)
    if not isinstance(approval, bool):
        raise ConfigError(f"{at} approval_required must be true or false, not {approval!r}")
    smoke = table.get("smoke_test_uri")
    if smoke is not None and (not isinstance(smoke, str) or not smoke.startswith("s3://")):
        raise ConfigError(
            f"{at} smoke_test_uri must be an s3:// prefix of label-first CSV rows, not {smoke!r}"
        )
    after = table.get("after")
    if after is not None and not isinstance(after, str):
        raise ConfigError(f'{at} after must be a stage name such as "qa", not {after!r}')
    return Stage(
        name=name,
        endpoint=endpoint,
        instance_type=instance_type,
        instance_count=count,
        approval_required=approval,
        smoke_test_uri=smoke or None,
        after=after,
    )


def unknown_instance_type(stage: Stage) -> str | None:
    """Why ``stage.instance_type`` is not an endpoint instance type SageMaker offers, or
    None. Checked where a stage is used (promote, approve, validate, deploy), not as
    glue-wf.toml is read: the service model it reads costs every command 0.1-0.4 s."""
    from glue_workflow.model.jobs import instance_hint, sagemaker_instance_types

    offered = sagemaker_instance_types("ProductionVariantInstanceType")
    if stage.instance_type in offered:
        return None
    return (
        f"instance_type {stage.instance_type!r} is not a SageMaker endpoint instance type"
        f"{instance_hint(stage.instance_type, offered)} (the SageMaker API's "
        "ProductionVariantInstanceType: CreateEndpointConfig would refuse it), e.g. "
        f'"{DEFAULT_INSTANCE_TYPE}"'
    )


def find_stage(stages: tuple[Stage, ...], name: str, where: str) -> Stage:
    """The stage called ``name`` or a ConfigError listing the declared ones (or saying
    why its instance type would be refused)."""
    for stage in stages:
        if stage.name == name:
            why = unknown_instance_type(stage)
            if why:
                raise ConfigError(f"{where} [stages.{name}] {why}")
            return stage
    declared = ", ".join(s.name for s in stages)
    if not declared:
        raise ConfigError(
            f"unknown stage {name!r}: {where} declares no stages; add a [stages.{name}] table "
            'with at least endpoint = "..." (see docs/stages.md)'
        )
    from glue_workflow.model._base import did_you_mean

    names = [s.name for s in stages]
    close = next((n for n in names if n == name.lower()), None)
    hint = f" (did you mean {close!r}?)" if close else did_you_mean(name, names)
    # a stage table's name is lowercase: [stages.Prod] would be refused
    add = f"add [stages.{name}] or " if STAGE_NAME.fullmatch(name) else ""
    raise ConfigError(
        f"unknown stage {name!r}{hint}: {where} declares {declared}; {add}use one of those"
    )

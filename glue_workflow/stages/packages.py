"""Find a model package version from what a person types: its ARN or ``GROUP/VERSION``."""

from __future__ import annotations

from typing import Any

from glue_workflow.aws.paginate import items
from glue_workflow.errors import ConfigError, GlueWfError, NotFoundError


def resolve_package_arn(sm: Any, package: str, *, command: str) -> str:
    """The ARN of ``package`` (an ARN is returned as given; SageMaker checks it)."""
    if package.startswith("arn:"):
        return package
    group, _, version = package.rpartition("/")
    if not group or not version.isdigit():
        raise ConfigError(
            f"{command}: {package!r} is neither a model package ARN nor GROUP/VERSION "
            "(e.g. churn-xgb/3); list them with 'glue-wf models'"
        )
    for summary in items(
        sm,
        "list_model_packages",
        "ModelPackageSummaryList",
        base=GlueWfError,
        ModelPackageGroupName=group,
        MaxResults=100,
    ):
        if summary.get("ModelPackageVersion") == int(version):
            return str(summary["ModelPackageArn"])
    raise NotFoundError(
        f"model package group {group!r} has no version {version}; see 'glue-wf models'"
    )

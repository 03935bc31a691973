"""The Model Registry for ``glue-wf models | approve`` and the console's Models pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.errors import ConfigError, NotFoundError
from glue_workflow.services.sagemaker_calls import MAX_RESULTS, call, paged

# ModelApprovalStatus values (SageMaker API reference, UpdateModelPackage).
APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
MAX_DESCRIPTION = 1024  # ApprovalDescription's length limit (same reference)
HINT = "see 'glue-wf models'"


@dataclass(frozen=True, kw_only=True)
class ModelVersion:
    group: str
    version: int | None
    arn: str
    approval: str | None
    status: str | None
    created: dt.datetime | None
    summary: Mapping[str, Any] = field(repr=False, compare=False)  # ListModelPackages' item


@dataclass(frozen=True, kw_only=True)
class ModelGroup:
    name: str
    arn: str | None
    description: str | None
    status: str | None
    created: dt.datetime | None
    versions: tuple[ModelVersion, ...]  # newest first

    @property
    def latest(self) -> ModelVersion | None:
        return self.versions[0] if self.versions else None


@dataclass(frozen=True, kw_only=True)
class ApprovalChange:
    arn: str
    approval: str


class Registry:
    """Model package groups and versions over one SageMaker client."""

    def __init__(self, sagemaker: Any) -> None:
        self.sagemaker = sagemaker

    def groups(self) -> list[ModelGroup]:
        """Every group, by name, with its versions."""
        summaries = paged(
            self.sagemaker,
            "list_model_package_groups",
            "ModelPackageGroupSummaryList",
            hint=HINT,
            SortBy="Name",
            SortOrder="Ascending",
            MaxResults=MAX_RESULTS,
        )
        found = [_group(s, self.versions(str(s["ModelPackageGroupName"]))) for s in summaries]
        return sorted(found, key=lambda g: g.name)

    def group(self, name: str) -> ModelGroup:
        described = call(
            self.sagemaker.describe_model_package_group, hint=HINT, ModelPackageGroupName=name
        )
        return _group(described, self.versions(name))

    def versions(self, group: str) -> tuple[ModelVersion, ...]:
        """``group``'s versions, newest first."""
        summaries = paged(
            self.sagemaker,
            "list_model_packages",
            "ModelPackageSummaryList",
            hint=HINT,
            ModelPackageGroupName=group,
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=MAX_RESULTS,
        )
        return tuple(_version(group, s) for s in summaries)

    def describe(self, arn: str) -> dict[str, Any]:
        described: dict[str, Any] = call(
            self.sagemaker.describe_model_package, hint=HINT, ModelPackageName=arn
        )
        return described

    def package_arn(self, group: str, version: int) -> str:
        for found in self.versions(group):
            if found.version == version:
                return found.arn
        raise NotFoundError(f"model package group {group!r} has no version {version}; {HINT}")

    def resolve(self, package: str, command: str = "approve") -> str:
        """A package ARN, or ``GROUP/VERSION`` (e.g. ``churn-xgb/3``) → its ARN (an ARN is
        returned as given: SageMaker checks it); ``command`` prefixes a malformed one."""
        if package.startswith("arn:"):
            return package
        group, _, version = package.rpartition("/")
        if not group or not version.isdigit():
            raise ConfigError(
                f"{command}: {package!r} is neither a model package ARN nor GROUP/VERSION "
                "(e.g. churn-xgb/3); list them with 'glue-wf models'"
            )
        return self.package_arn(group, int(version))

    def set_approval(self, arn: str, status: str, description: str | None = None) -> ApprovalChange:
        """UpdateModelPackage: Approved (deployable), Rejected or PendingManualApproval."""
        if status not in APPROVAL_STATUSES:
            raise ConfigError(
                f"status must be one of {', '.join(APPROVAL_STATUSES)}, got {status!r}"
            )
        if description is not None and len(description) > MAX_DESCRIPTION:
            raise ConfigError(
                f"approve: the description is limited to {MAX_DESCRIPTION} characters"
            )
        params: dict[str, Any] = {"ModelPackageArn": arn, "ModelApprovalStatus": status}
        if description:
            params["ApprovalDescription"] = description
        call(
            self.sagemaker.update_model_package,
            hint="list the packages with 'glue-wf models'",
            **params,
        )
        return ApprovalChange(arn=arn, approval=status)


def _group(answer: Mapping[str, Any], versions: tuple[ModelVersion, ...]) -> ModelGroup:
    return ModelGroup(
        name=str(answer["ModelPackageGroupName"]),
        arn=answer.get("ModelPackageGroupArn"),
        description=answer.get("ModelPackageGroupDescription"),
        status=answer.get("ModelPackageGroupStatus"),
        created=answer.get("CreationTime"),
        versions=versions,
    )


def _version(group: str, summary: Mapping[str, Any]) -> ModelVersion:
    version = summary.get("ModelPackageVersion")
    return ModelVersion(
        group=group,
        version=None if version is None else int(version),
        arn=str(summary["ModelPackageArn"]),
        approval=summary.get("ModelApprovalStatus"),
        status=summary.get("ModelPackageStatus"),
        created=summary.get("CreationTime"),
        summary=dict(summary),
    )

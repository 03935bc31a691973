"""Model Registry: model package groups and their versioned model packages."""

from __future__ import annotations

import re
from typing import Any

from glue_workflow.local.dispatch import LocalServiceError
from glue_workflow.local.sagemaker.common import (
    Resources,
    arn,
    check_enum,
    check_name,
    dumps,
    listing,
    loads,
    model_package_group_not_found,
    model_package_not_found,
    now,
    public,
    sagemaker_arn,
    validation,
)

GROUP = "model-package-group"
PACKAGE = "model-package"  # name "<group>/<version>"
APPROVAL = ("Approved", "Rejected", "PendingManualApproval")
_TOKEN = re.compile(r"[a-zA-Z0-9-]{1,36}")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_PACKAGE_ARN = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package/(?P<group>[^/]+)/(?P<version>\d+)"
)
_METRIC_SECTIONS = {
    "ModelQuality": ("Statistics", "Constraints"),
    "ModelDataQuality": ("Statistics", "Constraints"),
    "Bias": ("Report", "PreTrainingReport", "PostTrainingReport"),
    "Explainability": ("Report",),
}


def package_key(group: str, version: int) -> str:
    return f"{group.lower()}/{version:08d}"


class Registry:
    def __init__(self, resources: Resources) -> None:
        self.resources = resources

    # ---- groups ----------------------------------------------------------------------

    def create_group(self, params: dict[str, Any]) -> dict[str, Any]:
        name = check_name(params["ModelPackageGroupName"], "modelPackageGroupName")
        description = params.get("ModelPackageGroupDescription")
        if description is not None and len(description) > 1024:
            raise validation("ModelPackageGroupDescription: at most 1024 characters")
        created = now()
        record: dict[str, Any] = {
            "ModelPackageGroupName": name,
            "ModelPackageGroupArn": arn("model-package-group", name),
            "CreationTime": created,
            "CreatedBy": {},
            "ModelPackageGroupStatus": "Completed",
            "_tags": params.get("Tags") or [],
        }
        if description is not None:
            record["ModelPackageGroupDescription"] = description
        if not self.resources.insert(GROUP, name.lower(), record):
            raise validation(
                f"Model Package Group already exists: {record['ModelPackageGroupArn']}"
            )
        return {"ModelPackageGroupArn": record["ModelPackageGroupArn"]}

    def _group(self, name_or_arn: str) -> dict[str, Any]:
        name = name_or_arn.rsplit("/", 1)[-1] if name_or_arn.startswith("arn:") else name_or_arn
        record = self.resources.get(GROUP, name.lower())
        if record is None:
            raise model_package_group_not_found(name)
        return record

    def describe_group(self, params: dict[str, Any]) -> dict[str, Any]:
        return public(self._group(params["ModelPackageGroupName"]))

    def list_groups(self, params: dict[str, Any]) -> dict[str, Any]:
        return listing(
            self.resources.all(GROUP),
            params,
            name_key="ModelPackageGroupName",
            default_order="Ascending",
            sort_keys={"Name": "ModelPackageGroupName", "CreationTime": "CreationTime"},
            result_key="ModelPackageGroupSummaryList",
            fields=(
                "ModelPackageGroupName",
                "ModelPackageGroupArn",
                "ModelPackageGroupDescription",
                "CreationTime",
                "ModelPackageGroupStatus",
            ),
        )

    def delete_group(self, params: dict[str, Any]) -> dict[str, Any]:
        group = self._group(params["ModelPackageGroupName"])
        name = group["ModelPackageGroupName"]
        if next(self.resources.names(PACKAGE, name.lower() + "/"), None) is not None:
            raise LocalServiceError(
                "ConflictException",
                f"Model Package Group {name} cannot be deleted while it contains model "
                "packages: delete its model package versions first",
            )
        self.resources.delete(GROUP, name.lower())
        return {}

    # ---- packages --------------------------------------------------------------------

    def create_package(self, params: dict[str, Any]) -> dict[str, Any]:
        if "ModelPackageName" in params or "ModelPackageGroupName" not in params:
            raise LocalServiceError(
                "NotSupportedLocally",
                "unversioned model packages (ModelPackageName) are not supported by the glue-wf "
                "local target: pass ModelPackageGroupName to create a versioned package",
                501,
            )
        if "SourceAlgorithmSpecification" in params:
            raise LocalServiceError(
                "NotSupportedLocally",
                "SourceAlgorithmSpecification is not supported by the glue-wf local target",
                501,
            )
        group = self._group(params["ModelPackageGroupName"])
        group_name = group["ModelPackageGroupName"]
        status = check_enum(
            params.get("ModelApprovalStatus", "PendingManualApproval"),
            "modelApprovalStatus",
            APPROVAL,
        )
        token = params.get("ClientToken")
        if token is not None and not _TOKEN.fullmatch(token):
            raise validation(
                f"1 validation error detected: Value {token!r} at 'clientToken' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: "
                "^[a-zA-Z0-9-]+$ (1-36 characters)"
            )
        self._check_spec(params.get("InferenceSpecification"))
        self._check_metrics(params.get("ModelMetrics"))
        metadata = params.get("CustomerMetadataProperties") or {}
        self._check_metadata(metadata)
        description = params.get("ModelPackageDescription")
        if description is not None and len(description) > 1024:
            raise validation("ModelPackageDescription: at most 1024 characters")
        with self.resources.locked() as conn:
            rows = conn.execute(
                "SELECT name, data FROM sm_resources WHERE kind = ? AND name LIKE ?",
                (PACKAGE, group_name.lower() + "/%"),
            ).fetchall()
            versions = [loads(row["data"]) for row in rows]
            if token is not None:
                for existing in versions:
                    if existing.get("_client_token") == token:
                        return {"ModelPackageArn": existing["ModelPackageArn"]}
            version = max((v["ModelPackageVersion"] for v in versions), default=0) + 1
            created = now()
            record: dict[str, Any] = {
                "ModelPackageName": group_name,
                "ModelPackageGroupName": group_name,
                "ModelPackageVersion": version,
                "ModelPackageArn": sagemaker_arn(f"model-package/{group_name.lower()}/{version}"),
                "CreationTime": created,
                "LastModifiedTime": created,
                "ModelPackageStatus": "Completed",
                "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
                "CertifyForMarketplace": bool(params.get("CertifyForMarketplace", False)),
                "ModelApprovalStatus": status,
                "CreatedBy": {},
                "_client_token": token,
                "_tags": params.get("Tags") or [],
            }
            for field in (
                "ModelPackageDescription",
                "InferenceSpecification",
                "ModelMetrics",
                "MetadataProperties",
                "CustomerMetadataProperties",
                "Domain",
                "Task",
                "SamplePayloadUrl",
                "DriftCheckBaselines",
                "SkipModelValidation",
                "SourceUri",
                "ModelCard",
            ):
                if field in params:
                    record[field] = params[field]
            if status == "Approved":
                record["ApprovalDescription"] = params.get("ApprovalDescription", "")
            conn.execute(
                "INSERT INTO sm_resources (kind, name, created, data) VALUES (?, ?, ?, ?)",
                (PACKAGE, package_key(group_name, version), created.timestamp(), dumps(record)),
            )
        return {"ModelPackageArn": record["ModelPackageArn"]}

    def package(self, name_or_arn: str) -> dict[str, Any]:
        """A versioned package by ARN (or ``group/version``); ValidationException if none."""
        match = _PACKAGE_ARN.fullmatch(name_or_arn)
        if match is not None:
            group, version = match["group"], int(match["version"])
        elif re.fullmatch(r"[^/:]+/\d+", name_or_arn):
            group, _, raw = name_or_arn.partition("/")
            version = int(raw)
        else:
            # An unversioned package name: the local target has none of those.
            raise model_package_not_found(
                name_or_arn if name_or_arn.startswith("arn:") else arn("model-package", name_or_arn)
            )
        record = self.resources.get(PACKAGE, package_key(group, version))
        if record is None:
            raise model_package_not_found(arn("model-package", f"{group}/{version}"))
        return record

    def describe_package(self, params: dict[str, Any]) -> dict[str, Any]:
        return public(self.package(params["ModelPackageName"]))

    def list_packages(self, params: dict[str, Any]) -> dict[str, Any]:
        kind = check_enum(
            # AWS lists unversioned packages unless a group (its versions) or a type is named.
            params.get(
                "ModelPackageType",
                "Versioned" if params.get("ModelPackageGroupName") else "Unversioned",
            ),
            "modelPackageType",
            ("Versioned", "Unversioned", "Both"),
        )
        items = [] if kind == "Unversioned" else self.resources.all(PACKAGE)
        group = params.get("ModelPackageGroupName")
        if group:
            wanted = self._group(group)["ModelPackageGroupName"]
            items = [i for i in items if i["ModelPackageGroupName"] == wanted]
        if params.get("ModelApprovalStatus"):
            status = check_enum(params["ModelApprovalStatus"], "modelApprovalStatus", APPROVAL)
            items = [i for i in items if i["ModelApprovalStatus"] == status]
        return listing(
            items,
            params,
            name_key="ModelPackageName",
            default_order="Ascending",  # AWS: CreationTime, Ascending
            sort_keys={"Name": "ModelPackageName", "CreationTime": "CreationTime"},
            result_key="ModelPackageSummaryList",
            fields=(
                "ModelPackageName",
                "ModelPackageGroupName",
                "ModelPackageVersion",
                "ModelPackageArn",
                "ModelPackageDescription",
                "CreationTime",
                "ModelPackageStatus",
                "ModelApprovalStatus",
            ),
        )

    def update_package(self, params: dict[str, Any]) -> dict[str, Any]:
        current = self.package(params["ModelPackageArn"])
        status = params.get("ModelApprovalStatus")
        if status is not None:
            check_enum(status, "modelApprovalStatus", APPROVAL)
        description = params.get("ApprovalDescription")
        if description is not None and len(description) > 1024:
            raise validation("ApprovalDescription: at most 1024 characters")
        if "CustomerMetadataProperties" in params:
            self._check_metadata(params["CustomerMetadataProperties"])
        if "InferenceSpecification" in params:
            self._check_spec(params["InferenceSpecification"])

        def change(record: dict[str, Any]) -> dict[str, Any]:
            if status is not None:
                record["ModelApprovalStatus"] = status
            if description is not None:
                record["ApprovalDescription"] = description
            metadata = dict(record.get("CustomerMetadataProperties") or {})
            metadata.update(params.get("CustomerMetadataProperties") or {})
            for key in params.get("CustomerMetadataPropertiesToRemove") or []:
                metadata.pop(key, None)
            if metadata:
                record["CustomerMetadataProperties"] = metadata
            else:
                record.pop("CustomerMetadataProperties", None)
            for field in (
                "InferenceSpecification",
                "AdditionalInferenceSpecificationsToAdd",
                "SourceUri",
                "ModelCard",
            ):
                if field in params:
                    record[field] = params[field]
            record["LastModifiedTime"] = now()
            record["LastModifiedBy"] = {}
            return record

        key = package_key(current["ModelPackageGroupName"], current["ModelPackageVersion"])
        self.resources.update(PACKAGE, key, change)
        return {"ModelPackageArn": current["ModelPackageArn"]}

    def delete_package(self, params: dict[str, Any]) -> dict[str, Any]:
        current = self.package(params["ModelPackageName"])
        self.resources.delete(
            PACKAGE, package_key(current["ModelPackageGroupName"], current["ModelPackageVersion"])
        )
        return {}

    # ---- checks ----------------------------------------------------------------------

    @staticmethod
    def _check_spec(spec: dict[str, Any] | None) -> None:
        if spec is None:
            return
        containers = spec.get("Containers") or []
        if not 1 <= len(containers) <= 15:
            raise validation("InferenceSpecification.Containers: 1 to 15 containers")

    @staticmethod
    def _check_metrics(metrics: dict[str, Any] | None) -> None:
        for section, fields in _METRIC_SECTIONS.items():
            for field in fields:
                source = ((metrics or {}).get(section) or {}).get(field)
                if source is None:
                    continue
                digest = source.get("ContentDigest")
                if digest is not None and not _DIGEST.fullmatch(digest):
                    raise validation(
                        f"ModelMetrics.{section}.{field}.ContentDigest {digest!r} must be "
                        "'sha256:' followed by 64 lowercase hex digits"
                    )

    @staticmethod
    def _check_metadata(metadata: dict[str, str]) -> None:
        if len(metadata) > 50:
            raise validation("CustomerMetadataProperties: at most 50 entries")
        for key, value in metadata.items():
            if not 1 <= len(key) <= 128 or len(value) > 256 or key.lower().startswith("aws:"):
                raise validation(
                    f"CustomerMetadataProperties key {key!r}: keys 1-128 characters not starting "
                    "with 'aws:', values at most 256 characters"
                )

"""Model Registry and endpoints, read and driven through the SageMaker API (the CLI's calls)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.console.errors import ApiError, call, listed

# SageMaker names: letters, digits, hyphens, alphanumeric at both ends, ≤ 63 chars.
_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
_S3_URI = re.compile(r"s3://([^/]+)/(.+)")
APPROVAL = ("Approved", "Rejected", "PendingManualApproval")
MAX_METRICS_BYTES = 64 * 1024
MAX_CSV_BYTES = 1024 * 1024
MAX_VERSIONS = 100


def check_name(value: str, what: str) -> str:
    if not _NAME.fullmatch(value):
        raise ApiError(
            404,
            f"no {what} {value!r}: SageMaker names are 1-63 letters, digits and hyphens, "
            "starting and ending with a letter or digit",
        )
    return value


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else None


class Models:
    """The SageMaker half of the console API."""

    def __init__(
        self,
        sagemaker: Any,
        runtime: Any,
        s3: Any,
        *,
        endpoint_url: Callable[[str], str | None] | None,
    ) -> None:
        self._sm = sagemaker
        self._runtime = runtime
        self._s3 = s3
        self._endpoint_url = endpoint_url

    @property
    def sagemaker(self) -> Any:
        return self._sm

    @property
    def s3(self) -> Any:
        return self._s3

    def _call(self, client: Any, what: str, operation: str, **params: Any) -> dict[str, Any]:
        return call(client, what, operation, **params)

    def _pages(self, what: str, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
        return listed(self._sm, what, operation, key, limit=MAX_VERSIONS, **params)

    # --- model registry ----------------------------------------------------------------

    def groups(self) -> dict[str, Any]:
        groups = self._pages(
            "listing model package groups",
            "list_model_package_groups",
            "ModelPackageGroupSummaryList",
        )
        items = []
        for group in sorted(groups, key=lambda g: str(g.get("ModelPackageGroupName"))):
            name = str(group["ModelPackageGroupName"])
            versions = self._versions(name)
            latest = versions[0] if versions else None
            items.append(
                {
                    "name": name,
                    "description": group.get("ModelPackageGroupDescription"),
                    "status": group.get("ModelPackageGroupStatus"),
                    "created_on": _iso(group.get("CreationTime")),
                    "versions": len(versions),
                    "latest_version": latest.get("ModelPackageVersion") if latest else None,
                    "latest_approval": latest.get("ModelApprovalStatus") if latest else None,
                }
            )
        return {"groups": items}

    def _versions(self, group: str) -> list[dict[str, Any]]:
        return self._pages(
            f"no model package group {group!r}",
            "list_model_packages",
            "ModelPackageSummaryList",
            ModelPackageGroupName=group,
            SortBy="CreationTime",
            SortOrder="Descending",
        )

    def group(self, name: str) -> dict[str, Any]:
        check_name(name, "model package group")
        group = self._call(
            self._sm,
            f"no model package group {name!r}",
            "describe_model_package_group",
            ModelPackageGroupName=name,
        )
        versions = []
        for summary in self._versions(name):
            package = self._call(
                self._sm,
                f"model package {summary['ModelPackageArn']}",
                "describe_model_package",
                ModelPackageName=summary["ModelPackageArn"],
            )
            versions.append(self.version_view(package))
        return {
            "name": name,
            "description": group.get("ModelPackageGroupDescription"),
            "status": group.get("ModelPackageGroupStatus"),
            "created_on": _iso(group.get("CreationTime")),
            "versions": versions,
        }

    def package(self, group: str, version: str) -> dict[str, Any]:
        """The described package of ``group``'s ``version``; 404 naming what is missing."""
        arn = self._package_arn(group, version)
        return self._call(
            self._sm, f"model package {arn}", "describe_model_package", ModelPackageName=arn
        )

    def _package_arn(self, group: str, version: str) -> str:
        check_name(group, "model package group")
        for summary in self._versions(group):
            if str(summary.get("ModelPackageVersion")) == version:
                return str(summary["ModelPackageArn"])
        raise ApiError(404, f"model package group {group!r} has no version {version!r}")

    def version_view(self, package: Mapping[str, Any]) -> dict[str, Any]:
        containers = (package.get("InferenceSpecification") or {}).get("Containers") or []
        quality = (package.get("ModelMetrics") or {}).get("ModelQuality") or {}
        source = (quality.get("Statistics") or {}).get("S3Uri")
        return {
            "arn": package.get("ModelPackageArn"),
            "version": package.get("ModelPackageVersion"),
            "status": package.get("ModelPackageStatus"),
            "approval": package.get("ModelApprovalStatus"),
            "approval_description": package.get("ApprovalDescription"),
            "description": package.get("ModelPackageDescription"),
            "created_on": _iso(package.get("CreationTime")),
            "model_data_url": containers[0].get("ModelDataUrl") if containers else None,
            "image": containers[0].get("Image") if containers else None,
            "metadata": dict(package.get("CustomerMetadataProperties") or {}),
            "metrics_uri": source,
            "metrics": self._metrics(source) if source else {},
        }

    def _metrics(self, uri: str) -> dict[str, Any]:
        """Numeric values of the model-quality statistics JSON, flattened to dotted keys."""
        match = _S3_URI.fullmatch(uri)
        if not match:
            return {"error": f"not an s3:// URI: {uri}"}
        try:
            obj = self._s3.get_object(
                Bucket=match[1], Key=match[2], Range=f"bytes=0-{MAX_METRICS_BYTES - 1}"
            )
            data = json.loads(obj["Body"].read())
        except ClientError as exc:
            return {"error": f"cannot read {uri}: {exc.response['Error'].get('Message', exc)}"}
        except ValueError as exc:
            return {"error": f"{uri} is not JSON (or larger than {MAX_METRICS_BYTES} bytes): {exc}"}
        flat: dict[str, Any] = {}
        _flatten(data, "", flat)
        return flat

    def set_approval(self, group: str, version: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_name(group, "model package group")
        status = body.get("status")
        if status not in APPROVAL:
            raise ApiError(400, f"status must be one of {', '.join(APPROVAL)}, got {status!r}")
        description = body.get("description", "")
        if not isinstance(description, str) or len(description) > 1024:
            raise ApiError(400, "description must be a string of at most 1024 characters")
        arn = self._package_arn(group, version)
        params: dict[str, Any] = {"ModelPackageArn": arn, "ModelApprovalStatus": status}
        if description:
            params["ApprovalDescription"] = description
        self._call(self._sm, f"updating {arn}", "update_model_package", **params)
        return {"arn": arn, "version": int(version), "approval": status}

    # --- endpoints ---------------------------------------------------------------------

    def endpoints(self) -> dict[str, Any]:
        endpoints = self._pages(
            "listing endpoints", "list_endpoints", "Endpoints", SortBy="Name", SortOrder="Ascending"
        )
        return {"endpoints": [self.endpoint(str(e["EndpointName"])) for e in endpoints]}

    def endpoint(self, name: str) -> dict[str, Any]:
        check_name(name, "endpoint")
        endpoint = self._call(
            self._sm, f"no endpoint {name!r}", "describe_endpoint", EndpointName=name
        )
        return {
            "name": name,
            "arn": endpoint.get("EndpointArn"),
            "status": endpoint.get("EndpointStatus"),
            "config": endpoint.get("EndpointConfigName"),
            "failure_reason": endpoint.get("FailureReason"),
            "created_on": _iso(endpoint.get("CreationTime")),
            "last_modified_on": _iso(endpoint.get("LastModifiedTime")),
            "variants": [
                {
                    "name": v.get("VariantName"),
                    "weight": v.get("CurrentWeight"),
                    "instances": v.get("CurrentInstanceCount"),
                }
                for v in endpoint.get("ProductionVariants") or []
            ],
            "url": self._endpoint_url(name) if self._endpoint_url else None,
        }

    def invoke(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_name(name, "endpoint")
        csv = body.get("csv")
        if not isinstance(csv, str) or not csv.strip():
            raise ApiError(
                400,
                "csv must be a non-empty string: one record per line, "
                "feature values only (no label, no header)",
            )
        payload = csv.strip().encode("utf-8")
        if len(payload) > MAX_CSV_BYTES:
            raise ApiError(413, f"csv is {len(payload)} bytes; at most {MAX_CSV_BYTES}")
        result = self._call(
            self._runtime,
            f"invoking endpoint {name!r}",
            "invoke_endpoint",
            EndpointName=name,
            ContentType="text/csv",
            Accept="text/csv",
            Body=payload,
        )
        text = result["Body"].read(MAX_CSV_BYTES).decode("utf-8", errors="replace")
        return {"endpoint": name, "content_type": result.get("ContentType"), "body": text}


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out[prefix or "value"] = value

"""Model Registry and endpoints for the console: views over the services the CLI uses."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.console.errors import ApiError, check_fields
from glue_workflow.services.endpoints import Endpoint, Endpoints
from glue_workflow.services.registry import APPROVAL_STATUSES, MAX_DESCRIPTION, ModelGroup, Registry

# SageMaker names: letters, digits, hyphens, alphanumeric at both ends, ≤ 63 chars.
_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
_S3_URI = re.compile(r"s3://([^/]+)/(.+)")
MAX_METRICS_BYTES = 64 * 1024
MAX_CSV_BYTES = 1024 * 1024


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
        self._s3 = s3
        self.registry = Registry(sagemaker)
        self.endpoints_service = Endpoints(sagemaker, runtime, url_of=endpoint_url)

    @property
    def sagemaker(self) -> Any:
        return self._sm

    @property
    def s3(self) -> Any:
        return self._s3

    # --- model registry ----------------------------------------------------------------

    def groups(self) -> dict[str, Any]:
        return {"groups": [_group_summary(g) for g in self.registry.groups()]}

    def group(self, name: str) -> dict[str, Any]:
        check_name(name, "model package group")
        group = self.registry.group(name)
        return {
            "name": name,
            "description": group.description,
            "status": group.status,
            "created_on": _iso(group.created),
            "versions": [self.version_view(self.registry.describe(v.arn)) for v in group.versions],
        }

    def package(self, group: str, version: str) -> dict[str, Any]:
        """The described package of ``group``'s ``version``; 404 naming what is missing."""
        return self.registry.describe(self._package_arn(group, version))

    def _package_arn(self, group: str, version: str) -> str:
        check_name(group, "model package group")
        if not version.isdigit():
            raise ApiError(404, f"model package group {group!r} has no version {version!r}")
        return self.registry.package_arn(group, int(version))

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
        check_fields(body, ("status", "description"))
        status = body.get("status")
        if status not in APPROVAL_STATUSES:
            raise ApiError(
                400, f"status must be one of {', '.join(APPROVAL_STATUSES)}, got {status!r}"
            )
        description = body.get("description", "")
        if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
            raise ApiError(
                400, f"description must be a string of at most {MAX_DESCRIPTION} characters"
            )
        arn = self._package_arn(group, version)
        change = self.registry.set_approval(arn, str(status), description or None)
        return {"arn": change.arn, "version": int(version), "approval": change.approval}

    # --- endpoints ---------------------------------------------------------------------

    def endpoints(self) -> dict[str, Any]:
        return {"endpoints": [_endpoint_view(e) for e in self.endpoints_service.describe_all()]}

    def endpoint(self, name: str) -> dict[str, Any]:
        check_name(name, "endpoint")
        return _endpoint_view(self.endpoints_service.describe(name))

    def invoke(self, name: str, body: Mapping[str, Any]) -> dict[str, Any]:
        check_name(name, "endpoint")
        check_fields(body, ("csv",))
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
        answer = self.endpoints_service.invoke(
            name, payload, content_type="text/csv", accept="text/csv", max_bytes=MAX_CSV_BYTES
        )
        text = answer.body.decode("utf-8", errors="replace")
        return {"endpoint": name, "content_type": answer.content_type, "body": text}


def _group_summary(group: ModelGroup) -> dict[str, Any]:
    latest = group.latest
    return {
        "name": group.name,
        "description": group.description,
        "status": group.status,
        "created_on": _iso(group.created),
        "versions": len(group.versions),
        "latest_version": latest.version if latest else None,
        "latest_approval": latest.approval if latest else None,
    }


def _endpoint_view(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "name": endpoint.name,
        "arn": endpoint.arn,
        "status": endpoint.status,
        "config": endpoint.config,
        "failure_reason": endpoint.failure_reason,
        "created_on": _iso(endpoint.created),
        "last_modified_on": _iso(endpoint.last_modified),
        "variants": [
            {"name": v.name, "weight": v.weight, "instances": v.instances}
            for v in endpoint.variants
        ],
        "url": endpoint.url,
    }


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out[prefix or "value"] = value

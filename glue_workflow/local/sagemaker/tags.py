"""AddTags / ListTags / DeleteTags on the local target's SageMaker resources, by ARN.

Limits from the SageMaker API reference (AddTags, ListTags, Tag): at most 50 tags per
resource, keys 1-128 and values 0-256 characters of letters, digits, spaces and
``_ . : / = + - @``; keys starting ``aws:`` are reserved. A key added again gets the
new value. A missing resource answers the resource's own not-found message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from glue_workflow.local.dispatch import not_supported
from glue_workflow.local.sagemaker.common import (
    Resources,
    endpoint_config_not_found,
    endpoint_not_found,
    model_not_found,
    model_package_group_not_found,
    validation,
)
from glue_workflow.local.sagemaker.endpoints import ENDPOINT
from glue_workflow.local.sagemaker.models import CONFIG, MODEL
from glue_workflow.local.sagemaker.registry import GROUP, PACKAGE, Registry, package_key

MAX_TAGS = 50
_ARN = re.compile(r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:\d{12}:(?P<type>[a-z-]+)/(?P<name>.+)")
_TAG_TEXT = re.compile(r"[\w\s.:/=+\-@]*")  # \p{L}\p{Z}\p{N} plus _ . : / = + - @
_NOT_FOUND: dict[str, Callable[[str], Exception]] = {
    MODEL: model_not_found,
    CONFIG: endpoint_config_not_found,
    ENDPOINT: endpoint_not_found,
    GROUP: model_package_group_not_found,
}


class Tags:
    def __init__(self, resources: Resources, registry: Registry) -> None:
        self.resources = resources
        self.registry = registry

    def _locate(self, resource_arn: Any) -> tuple[str, str]:
        """(kind, key) of the record an ARN names; the not-found answer if there is none."""
        match = _ARN.fullmatch(str(resource_arn))
        if match is None:
            raise validation(
                f"1 validation error detected: Value {resource_arn!r} at 'resourceArn' failed "
                "to satisfy constraint: Member must satisfy regular expression pattern: "
                "arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:.+"
            )
        kind, name = match["type"], match["name"]
        if kind == PACKAGE:
            record = self.registry.package(str(resource_arn))
            return PACKAGE, package_key(
                record["ModelPackageGroupName"], record["ModelPackageVersion"]
            )
        if kind not in _NOT_FOUND:
            raise not_supported("sagemaker", f"tags on {kind} resources")
        if self.resources.get(kind, name.lower()) is None:
            raise _NOT_FOUND[kind](name)
        return kind, name.lower()

    def _current(self, kind: str, key: str) -> list[dict[str, str]]:
        record = self.resources.get(kind, key) or {}
        return list(record.get("_tags") or [])

    def _store(self, kind: str, key: str, tags: list[dict[str, str]]) -> None:
        def change(record: dict[str, Any]) -> dict[str, Any]:
            record["_tags"] = tags
            return record

        self.resources.update(kind, key, change)

    def add_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        kind, key = self._locate(params["ResourceArn"])
        for tag in params["Tags"]:
            _check_tag(tag)
        merged = {t["Key"]: t.get("Value", "") for t in self._current(kind, key)}
        merged.update({t["Key"]: t.get("Value", "") for t in params["Tags"]})
        if len(merged) > MAX_TAGS:
            raise validation(
                f"Resource {params['ResourceArn']} would have {len(merged)} tags; "
                f"a resource can have at most {MAX_TAGS}"
            )
        tags = [{"Key": k, "Value": v} for k, v in merged.items()]
        self._store(kind, key, tags)
        return {"Tags": list(params["Tags"])}

    def list_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        kind, key = self._locate(params["ResourceArn"])
        if params.get("MaxResults") is not None and params["MaxResults"] < MAX_TAGS:
            raise validation(
                f"1 validation error detected: Value {params['MaxResults']} at 'maxResults' "
                "failed to satisfy constraint: Member must have value greater than or equal to 50"
            )
        # A resource holds at most 50 tags, which fit one page of the smallest MaxResults.
        return {"Tags": self._current(kind, key)}

    def delete_tags(self, params: dict[str, Any]) -> dict[str, Any]:
        kind, key = self._locate(params["ResourceArn"])
        drop = set(params["TagKeys"])
        self._store(kind, key, [t for t in self._current(kind, key) if t["Key"] not in drop])
        return {}


def _check_tag(tag: dict[str, Any]) -> None:
    key, value = str(tag["Key"]), str(tag.get("Value", ""))
    if not 1 <= len(key) <= 128 or not _TAG_TEXT.fullmatch(key):
        raise validation(
            f"Tag key {key!r} must be 1-128 letters, digits, spaces or _ . : / = + - @"
        )
    if key.lower().startswith("aws:"):
        raise validation(f"Tag key {key!r}: the aws: prefix is reserved for AWS use")
    if len(value) > 256 or not _TAG_TEXT.fullmatch(value):
        raise validation(
            f"Tag value {value!r} of key {key!r} must be at most 256 letters, digits, spaces "
            "or _ . : / = + - @"
        )

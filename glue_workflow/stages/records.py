"""Promotions and stage approvals recorded as tags on the model package.

A tag is the one record SageMaker keeps on the package itself, on both targets:

* ``glue-wf:stage:<stage>`` = ``endpoint=<name> config=<endpoint config> at=<UTC time>
  by=<caller ARN> user=<OS user>``: the package was promoted to that stage.
* ``glue-wf:approval:<stage>`` = ``at=<UTC time> by=<caller ARN> user=<OS user>``: the
  manual approval ``glue-wf promote`` requires where a stage says ``approval_required``.

Tag values allow letters, digits, spaces and ``_ . : / = + - @`` (at most 256
characters; SageMaker's Tag type), so fields are space separated and other characters
in a caller's name become ``_``.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.aws.paginate import items
from glue_workflow.errors import GlueWfError

STAGE_TAG = "glue-wf:stage:"
APPROVAL_TAG = "glue-wf:approval:"
VALUE_MAX = 256
_UNSAFE = re.compile(r"[^\w.:/=+\-@]")


@dataclass(frozen=True, kw_only=True)
class Caller:
    """Who acts: the STS caller identity and the local OS user."""

    arn: str
    user: str


def caller(sts: Any) -> Caller:
    """The STS caller (``GetCallerIdentity``; the account root on the local target)."""
    try:
        who = str(sts.get_caller_identity()["Arn"])
    except ClientError as exc:  # no sts:GetCallerIdentity is never denied by IAM; be safe
        who = f"unknown ({exc.response.get('Error', {}).get('Code')})"
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        user = "unknown"
    return Caller(arn=who, user=user)


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", text)


def encode(fields: Mapping[str, str]) -> str:
    """``k=v k=v``, unsafe characters replaced, cut to the tag value limit."""
    return " ".join(f"{k}={_safe(v)}" for k, v in fields.items())[:VALUE_MAX]


def decode(value: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for part in value.split():
        key, sep, text = part.partition("=")
        if sep:
            fields[key] = text
    return fields


def promotion_tag(stage: str, *, endpoint: str, config: str, at: str, by: Caller) -> dict[str, str]:
    fields = {"endpoint": endpoint, "config": config, "at": at, "by": by.arn, "user": by.user}
    return {"Key": f"{STAGE_TAG}{stage}", "Value": encode(fields)}


def approval_tag(stage: str, *, at: str, by: Caller) -> dict[str, str]:
    return {
        "Key": f"{APPROVAL_TAG}{stage}",
        "Value": encode({"at": at, "by": by.arn, "user": by.user}),
    }


def list_tags(sm: Any, arn: str) -> dict[str, str]:
    """Every tag of a SageMaker resource (ListTags pages through NextToken)."""
    found = items(sm, "list_tags", "Tags", base=GlueWfError, ResourceArn=arn)
    return {t["Key"]: t.get("Value", "") for t in found}


def approvals(tags: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Stage → its recorded manual approval (at, by, user)."""
    return {
        key[len(APPROVAL_TAG) :]: decode(value)
        for key, value in tags.items()
        if key.startswith(APPROVAL_TAG)
    }


def promotions(
    tags: Mapping[str, str], serving: Sequence[Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The package's promotions, by stage; ``serving`` (lineage endpoints) marks live ones.

    A promotion is ``current`` when its endpoint still serves this package; a later
    promotion of another version to the same stage leaves the record, not current.
    """
    live = {str(s.get("endpoint")) for s in serving or []}
    rows = []
    for key, value in sorted(tags.items()):
        if not key.startswith(STAGE_TAG):
            continue
        fields = decode(value)
        rows.append(
            {
                "stage": key[len(STAGE_TAG) :],
                "endpoint": fields.get("endpoint"),
                "endpoint_config": fields.get("config"),
                "at": fields.get("at"),
                "by": fields.get("by"),
                "user": fields.get("user"),
                "current": fields.get("endpoint") in live,
            }
        )
    return rows


def package_stages(
    sm: Any, package_arn: str, serving: Sequence[Mapping[str, Any]] | None = None
) -> dict[str, Any]:
    """Where a model version is promoted and approved: for ``glue-wf models`` and the console.

    ``serving`` is the package's lineage endpoints when the caller has them; without it
    each promoted endpoint is asked whether it still serves the package.
    """
    tags = list_tags(sm, package_arn)
    if serving is None:
        endpoints = {
            decode(v).get("endpoint", "") for k, v in tags.items() if k.startswith(STAGE_TAG)
        }
        serving = [{"endpoint": e} for e in sorted(endpoints) if e and serves(sm, e) == package_arn]
    return {"promotions": promotions(tags, serving), "approvals": approvals(tags)}


def serves(sm: Any, endpoint: str, described: Mapping[str, Any] | None = None) -> str | None:
    """The model package ARN an endpoint's config serves, if any (None: no such endpoint).
    ``described``: the endpoint's DescribeEndpoint answer when the caller has it."""
    from glue_workflow.jobkit.sagemaker_ops import describe_or_none

    if described is None:
        described = describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
    if not described or not described.get("EndpointConfigName"):
        return None
    config = describe_or_none(
        sm.describe_endpoint_config, EndpointConfigName=described["EndpointConfigName"]
    )
    for variant in (config or {}).get("ProductionVariants") or []:
        model = describe_or_none(sm.describe_model, ModelName=variant.get("ModelName", ""))
        containers = list((model or {}).get("Containers") or [])
        containers.append((model or {}).get("PrimaryContainer") or {})
        for container in containers:
            if container.get("ModelPackageName"):
                return str(container["ModelPackageName"])
    return None


def record_approval(sm: Any, sts: Any, package_arn: str, stage: str) -> dict[str, str]:
    """Tag ``package_arn`` approved for ``stage`` by the caller; the tag written."""
    tag = approval_tag(stage, at=now_utc(), by=caller(sts))
    sm.add_tags(ResourceArn=package_arn, Tags=[tag])
    return tag


def revoke_approval(sm: Any, package_arn: str, stage: str) -> bool:
    """Remove a stage approval; False if there was none."""
    if f"{APPROVAL_TAG}{stage}" not in list_tags(sm, package_arn):
        return False
    sm.delete_tags(ResourceArn=package_arn, TagKeys=[f"{APPROVAL_TAG}{stage}"])
    return True

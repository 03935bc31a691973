"""The S3 and IAM calls deploy makes: the artifacts bucket, artifact objects, roles."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from glue_workflow.aws.errors import AccessDenied, ResourceNotFound
from glue_workflow.aws.paginate import items
from glue_workflow.aws.retry import RetryPolicy, call


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` → (bucket, key)."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ValueError(f"not an s3://bucket/key URI: {uri!r}")
    bucket, _, key = uri[5:].partition("/")
    return bucket, key


def common_prefix(keys: Iterable[str]) -> str:
    """The longest common directory prefix (ending in '/') of ``keys``, or ''."""
    keys = list(keys)
    if not keys:
        return ""
    first, last = min(keys), max(keys)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size].rpartition("/")[0] + "/" if "/" in first[:size] else ""


@dataclass(frozen=True, kw_only=True)
class S3Api:
    client: Any = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def bucket_exists(self, bucket: str) -> bool:
        try:
            call(
                "s3:HeadBucket",
                lambda: self.client.head_bucket(Bucket=bucket),
                policy=self.policy,
            )
        except ResourceNotFound:
            return False
        return True

    def create_bucket(self, bucket: str, region: str) -> None:
        params: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":  # us-east-1 rejects an explicit LocationConstraint
            params["CreateBucketConfiguration"] = {"LocationConstraint": region}
        call("s3:CreateBucket", lambda: self.client.create_bucket(**params), policy=self.policy)

    def list_sizes(self, bucket: str, prefix: str) -> dict[str, int]:
        """Every key under ``prefix`` with its size (one call per 1000 keys)."""
        listed = items(
            self.client,
            "list_objects_v2",
            "Contents",
            policy=self.policy,
            Bucket=bucket,
            Prefix=prefix,
        )
        return {item["Key"]: int(item.get("Size", 0)) for item in listed}

    def object_size(self, bucket: str, key: str) -> int | None:
        """HeadObject: the object's size, or None when it (or the bucket) is missing."""
        try:
            head = call(
                "s3:HeadObject",
                lambda: self.client.head_object(Bucket=bucket, Key=key),
                policy=self.policy,
            )
        except ResourceNotFound:
            return None
        return int(head.get("ContentLength", 0))

    def put(self, bucket: str, key: str, body: bytes, sha256: str) -> None:
        call(
            "s3:PutObject",
            lambda: self.client.put_object(
                Bucket=bucket, Key=key, Body=body, Metadata={"sha256": sha256}
            ),
            policy=self.policy,
        )


def role_name(arn: str) -> str:
    """``arn:aws:iam::123:role/path/name`` → ``name``."""
    _, _, resource = arn.partition(":role/")
    if not resource:
        raise ValueError(f"not an IAM role ARN: {arn!r}")
    return resource.rsplit("/", 1)[-1]


@dataclass(frozen=True, kw_only=True)
class IamApi:
    client: Any = field(repr=False)
    policy: RetryPolicy = field(default_factory=RetryPolicy)

    def role_exists(self, arn: str) -> bool | None:
        """True/False, or None when the caller may not call iam:GetRole (not checked)."""
        name = role_name(arn)
        try:
            call("iam:GetRole", lambda: self.client.get_role(RoleName=name), policy=self.policy)
        except ResourceNotFound:
            return False
        except AccessDenied:
            return None
        return True

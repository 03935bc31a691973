"""Destroying the stack without silently dropping data in the artifacts bucket."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.aws.errors import error_code, error_message
from glue_workflow.errors import InfraError
from glue_workflow.infra.apply import delete_and_follow
from glue_workflow.infra.progress import EventSink, Waiting
from glue_workflow.infra.stacks import CloudFormation, StackInfo

BUCKET_LOGICAL_ID = "ArtifactsBucket"
DELETE_BATCH = 1000  # DeleteObjects' per-request limit


class BucketNotEmptyError(InfraError):
    """The artifacts bucket still holds objects; destroy will not delete them unasked."""


@dataclass(frozen=True, kw_only=True)
class DestroyPlan:
    """The stack to delete and the bucket it owns (None when already gone)."""

    stack: StackInfo
    bucket: str | None
    bucket_empty: bool


def prepare_destroy(
    cf: CloudFormation, s3: Any, stack_name: str, *, force_empty_bucket: bool
) -> DestroyPlan | None:
    """Check the stack and its bucket; None when the stack does not exist.

    Raises BucketNotEmptyError when the bucket holds any object version and
    ``force_empty_bucket`` is not set.
    """
    stack = cf.describe(stack_name)
    if stack is None:
        return None
    if stack.in_progress and stack.status != "REVIEW_IN_PROGRESS":
        raise InfraError(
            f"stack {stack_name} is busy ({stack.status}): wait until the running "
            "operation ends, then retry"
        )
    bucket = cf.resources(stack.stack_id).get(BUCKET_LOGICAL_ID) or stack.outputs.get(
        "ArtifactsBucketName"
    )
    empty = True
    if bucket:
        state = bucket_is_empty(s3, bucket)
        if state is None:
            bucket = None  # deleted outside CloudFormation: nothing to protect
        else:
            empty = state
    if not empty and not force_empty_bucket:
        raise BucketNotEmptyError(
            f"bucket {bucket} of stack {stack_name} is not empty (scripts, run outputs, "
            "models): destroy refuses to delete data. Copy what you need, then rerun "
            "with --force-empty-bucket --yes, which deletes every object version first"
        )
    return DestroyPlan(stack=stack, bucket=bucket, bucket_empty=empty)


def execute_destroy(
    cf: CloudFormation,
    s3: Any,
    plan: DestroyPlan,
    *,
    on_event: EventSink | None = None,
    waiting: Waiting | None = None,
) -> int:
    """Empty the bucket if needed, delete the stack and follow it; objects deleted."""
    deleted = 0
    if plan.bucket is not None and not plan.bucket_empty:
        deleted = empty_bucket(s3, plan.bucket)
    delete_and_follow(cf, plan.stack, on_event=on_event, waiting=waiting)
    return deleted


def bucket_is_empty(s3: Any, bucket: str) -> bool | None:
    """Whether no object version or delete marker is left; None if the bucket is gone."""
    try:
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=1)
    except ClientError as exc:
        if error_code(exc) in ("NoSuchBucket", "404"):
            return None
        raise InfraError(
            f"cannot list bucket {bucket} ({error_code(exc)}): {error_message(exc)}"
        ) from exc
    return not (page.get("Versions") or page.get("DeleteMarkers"))


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker; the number removed."""
    removed = 0
    paginator = s3.get_paginator("list_object_versions")
    batch: list[dict[str, str]] = []
    try:
        for page in paginator.paginate(Bucket=bucket):
            for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
                batch.append({"Key": item["Key"], "VersionId": item["VersionId"]})
                if len(batch) == DELETE_BATCH:
                    removed += _delete(s3, bucket, batch)
                    batch = []
        if batch:
            removed += _delete(s3, bucket, batch)
    except ClientError as exc:
        raise InfraError(
            f"emptying bucket {bucket} failed after {removed} object version(s) "
            f"({error_code(exc)}): {error_message(exc)}; the stack was not deleted: fix "
            "access and rerun"
        ) from exc
    return removed


def _delete(s3: Any, bucket: str, objects: list[dict[str, str]]) -> int:
    response = s3.delete_objects(Bucket=bucket, Delete={"Objects": objects, "Quiet": True})
    errors = response.get("Errors", [])
    if errors:
        first = errors[0]
        raise InfraError(
            f"could not delete {len(errors)} object version(s) from bucket {bucket}, e.g. "
            f"{first.get('Key')} ({first.get('Code')}: {first.get('Message')}); the stack "
            "was not deleted: fix access and rerun"
        )
    return len(objects)

"""``s3://bucket/key`` ↔ ``<home>/s3/<bucket>/<key>``, rejecting keys that escape."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from glue_workflow.errors import GlueWfError

S3_SCHEMES = ("s3://", "s3a://", "s3n://")
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class S3PathError(GlueWfError):
    """An S3 URI or key is malformed or would escape the local S3 directory."""


@dataclass(frozen=True)
class S3Uri:
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def is_s3_uri(uri: str) -> bool:
    return uri.startswith(S3_SCHEMES)


def parse_s3_uri(uri: str) -> S3Uri:
    """Split ``s3://bucket/key`` (also ``s3a://``, ``s3n://``); the key may be empty."""
    for scheme in S3_SCHEMES:
        if uri.startswith(scheme):
            rest = uri[len(scheme) :]
            bucket, _, key = rest.partition("/")
            check_bucket(bucket, uri)
            return S3Uri(bucket, key)
    raise S3PathError(f"not an S3 URI: {uri!r} (expected s3://bucket/key)")


def check_bucket(bucket: str, where: str = "") -> str:
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise S3PathError(
            f"invalid bucket name {bucket!r}{f' in {where!r}' if where else ''}: 3-63 "
            "lowercase letters, digits, dots and hyphens, starting and ending alphanumeric"
        )
    return bucket


def check_key(key: str) -> str:
    """Reject keys that would leave the bucket directory (``..``, absolute, NUL)."""
    if "\x00" in key:
        raise S3PathError(f"invalid S3 key {key!r}: contains a NUL byte")
    if key.startswith("/") or any(part == ".." for part in PurePosixPath(key).parts):
        raise S3PathError(
            f"S3 key {key!r} escapes its bucket ('..' segment or leading '/'): "
            "use a relative key without '..'"
        )
    return key


def bucket_dir(s3_root: Path, bucket: str) -> Path:
    return s3_root / check_bucket(bucket)


def object_path(s3_root: Path, bucket: str, key: str) -> Path:
    """The file standing for ``s3://bucket/key``; never outside ``s3_root/bucket``."""
    base = bucket_dir(s3_root, bucket).resolve()
    path = (base / check_key(key)).resolve()
    if path != base and base not in path.parents:
        raise S3PathError(f"S3 key {key!r} resolves outside bucket {bucket!r}")
    return path


def uri_to_path(s3_root: Path, uri: str) -> Path:
    loc = parse_s3_uri(uri)
    return object_path(s3_root, loc.bucket, loc.key)

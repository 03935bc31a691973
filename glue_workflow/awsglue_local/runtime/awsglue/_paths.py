"""Map ``s3://``/``s3a://``/``s3n://`` URIs to the local target's S3 directory.

The runtime's one adapter to the local target: the local runner names the target's
home in ``GLUE_WF_HOME`` (default ``.glue-wf`` in the working directory) for every job
process, and objects live under ``<home>/s3/<bucket>/<key>`` there, so Spark and boto3
see the same objects. ``file://`` URIs and plain paths pass through.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from awsglue._errors import GlueRuntimeError

HOME_ENV = "GLUE_WF_HOME"
DEFAULT_HOME = ".glue-wf"
S3_SCHEMES = ("s3://", "s3a://", "s3n://")
# S3's bucket naming rule (docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def s3_root() -> Path:
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).resolve() / "s3"


def local_path(uri: str) -> str:
    """The local filesystem path standing for ``uri`` (an S3 URI, file:// URI or path);
    an S3 URI's bucket must exist, as on S3."""
    for scheme in S3_SCHEMES:
        if uri.startswith(scheme):
            bucket, _, key = uri[len(scheme) :].partition("/")
            return str(_object_path(bucket, key, uri))
    if uri.startswith("file://"):
        return uri[len("file://") :]
    return uri


def _object_path(bucket: str, key: str, uri: str) -> Path:
    """The file for ``bucket``/``key``; never outside the bucket's directory."""
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise GlueRuntimeError(
            f"invalid bucket name {bucket!r} in {uri!r}: 3-63 lowercase letters, digits, "
            "dots and hyphens, starting and ending alphanumeric"
        )
    base = (s3_root() / bucket).resolve()
    if not base.is_dir():
        # S3's answer to a read or write in a missing bucket: 404 NoSuchBucket, "The
        # specified bucket does not exist" (S3 API reference, Error responses); Glue
        # fails the job with it. Locally a write would have created the directory.
        raise GlueRuntimeError(
            f"NoSuchBucket: the specified bucket does not exist: {bucket!r} in {uri!r}; "
            "fix the bucket name, or create the bucket (`glue-wf deploy` creates the "
            'artifacts bucket; another with `aws s3 mb` after `eval "$(glue-wf env)"`, '
            "as on AWS)"
        )
    path = (base / key).resolve()
    if "\x00" in key or key.startswith("/") or (path != base and base not in path.parents):
        raise GlueRuntimeError(
            f"S3 key {key!r} in {uri!r} escapes its bucket ('..' segment or leading '/'): "
            "use a relative key without '..'"
        )
    return path

"""Map ``s3://``/``s3a://``/``s3n://`` URIs to the local target's S3 directory.

The local target's home comes from ``GLUE_WF_HOME`` (default ``.glue-wf`` in the
working directory), the same variable the local engine gives every job process, so
Spark and boto3 see the same objects. ``file://`` URIs and plain paths pass through.
"""

from __future__ import annotations

import os
from pathlib import Path

from glue_workflow.local.s3paths import is_s3_uri, uri_to_path

HOME_ENV = "GLUE_WF_HOME"
DEFAULT_HOME = ".glue-wf"


def s3_root() -> Path:
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).resolve() / "s3"


def local_path(uri: str) -> str:
    """The local filesystem path standing for ``uri`` (an S3 URI, file:// URI or path)."""
    if is_s3_uri(uri):
        return str(uri_to_path(s3_root(), uri))
    if uri.startswith("file://"):
        return uri[len("file://") :]
    return uri


def to_s3_uri(path: Path) -> str | None:
    """The S3 URI of a file under the local S3 directory, or None when outside it."""
    root = s3_root()
    try:
        rel = path.resolve().relative_to(root)
    except ValueError:
        return None
    bucket, *key = rel.parts
    return f"s3://{bucket}/{'/'.join(key)}"

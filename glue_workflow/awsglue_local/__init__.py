"""The local ``awsglue`` runtime: a clean-room implementation of Glue's job library.

``RUNTIME_DIR`` holds the top-level packages ``awsglue`` and ``awsgluedq``. It is put on
``sys.path`` (``PYTHONPATH``) only for local job processes and tests, never shipped to
Glue, where the real library is provided.
"""

from __future__ import annotations

import os
from pathlib import Path

RUNTIME_DIR: Path = Path(__file__).resolve().parent / "runtime"
# Set inside the official Glue image (infra/docker/run-spark-tests.sh): the real awsglue
# is installed there and this runtime must stay off the path.
REAL_AWSGLUE_ENV = "GLUE_WF_REAL_AWSGLUE"


def use_local_runtime() -> bool:
    """False where the real awsglue library is present (the Glue Docker image)."""
    return os.environ.get(REAL_AWSGLUE_ENV) != "1"


__all__ = ["REAL_AWSGLUE_ENV", "RUNTIME_DIR", "use_local_runtime"]

"""The local ``awsglue`` runtime: a clean-room implementation of Glue's job library.

``RUNTIME_DIR`` holds the top-level packages ``awsglue`` and ``awsgluedq``. It is put on
``sys.path`` (``PYTHONPATH``) only for local job processes and tests, never shipped to
Glue, where the real library is provided.
"""

from __future__ import annotations

import os
import shlex
from pathlib import Path

from glue_workflow.awsglue_local import jvmguard

RUNTIME_DIR: Path = Path(__file__).resolve().parent / "runtime"
# Set inside the official Glue image (infra/docker/run-spark-tests.sh): the real awsglue
# is installed there and this runtime must stay off the path.
REAL_AWSGLUE_ENV = "GLUE_WF_REAL_AWSGLUE"
# The runtime's GlueContext applies this as PYSPARK_SUBMIT_ARGS in a job process that
# starts its own Spark (awsglue/context.py reads it; the runtime imports nothing of ours).
SUBMIT_ARGS_ENV = "GLUE_WF_SPARK_SUBMIT_ARGS"
# Spark settings of a local job's JVM (its own, or the warm Spark's): local master, no
# UI, UTC like Glue, few shuffle partitions for one-machine data.
SPARK_SUBMIT_CONF = (
    "--conf spark.ui.enabled=false --conf spark.ui.showConsoleProgress=false "
    "--conf spark.sql.session.timeZone=UTC --conf spark.sql.shuffle.partitions=8"
)
# Whole-stage code generation over wide rows (an ETL's hundreds of columns and rules)
# makes methods over HotSpot's 8,000-byte limit, which it never JIT-compiles: they run
# interpreted, several times slower (the 1M-row ETL: 40 s -> 28 s with this option;
# bench/README.md, "Spark ETL"). Every local Spark JVM starts with it.
JIT_OPTIONS = "-XX:-DontCompileHugeMethods"


def spark_submit_args(memory: str | None = None, java_options: str = "") -> str:
    """``PYSPARK_SUBMIT_ARGS`` for a local job's JVM (``memory``: its heap cap;
    ``java_options``: the JVM's own options)."""
    heap = f" --driver-memory {memory}" if memory else ""
    options = f"{JIT_OPTIONS} {jvmguard.java_options()} {java_options}".strip()
    jvm = f" --driver-java-options {shlex.quote(options)}"
    return f"--master local[*]{heap}{jvm} {SPARK_SUBMIT_CONF} pyspark-shell"


def use_local_runtime() -> bool:
    """False where the real awsglue library is present (the Glue Docker image)."""
    return os.environ.get(REAL_AWSGLUE_ENV) != "1"


__all__ = [
    "JIT_OPTIONS",
    "REAL_AWSGLUE_ENV",
    "RUNTIME_DIR",
    "SPARK_SUBMIT_CONF",
    "SUBMIT_ARGS_ENV",
    "spark_submit_args",
    "use_local_runtime",
]

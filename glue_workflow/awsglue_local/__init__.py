"""The local ``awsglue`` runtime: a clean-room implementation of Glue's job library.

``RUNTIME_DIR`` holds the top-level packages ``awsglue`` and ``awsgluedq``. It is put on
``sys.path`` (``PYTHONPATH``) only for local job processes and tests, never shipped to
Glue, where the real library is provided.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
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


# A job's own Spark reads and writes of s3://, s3a:// and s3n:// URIs (spark.read.parquet,
# df.write.csv, sc.textFile: EMRFS's schemes on Glue) reach the local S3 directory, as
# awsglue's do: Hadoop's ViewFileSystemOverloadScheme serves the schemes with a mount
# table per bucket (the URI's authority) whose fallback is the bucket's directory, opened
# with RawLocalFileSystem under a scheme of its own (no .crc files beside the objects,
# which S3 would not hold). A bucket without a directory has no mount table, and no
# file system stands behind the scheme itself: its reads and writes fail, as on S3, where
# the bucket does not exist (they never reach another path of this machine).
S3_SCHEMES = ("s3", "s3a", "s3n")
LOCAL_SCHEME = "glue-wf-local"
OVERLOAD_SCHEME = "org.apache.hadoop.fs.viewfs.ViewFileSystemOverloadScheme"
RAW_LOCAL = "org.apache.hadoop.fs.RawLocalFileSystem"
# Hadoop's defaults name the S3A committer for s3a:// output, whose jar Spark lacks
FILE_COMMITTER = "org.apache.hadoop.mapreduce.lib.output.FileOutputCommitterFactory"


def s3_scheme_conf(s3_root: Path) -> dict[str, str]:
    """Spark settings mapping the S3 schemes onto ``s3_root/<bucket>/`` for the buckets
    that exist there now."""
    conf = {f"spark.hadoop.fs.{scheme}.impl": OVERLOAD_SCHEME for scheme in S3_SCHEMES}
    conf[f"spark.hadoop.fs.{LOCAL_SCHEME}.impl"] = RAW_LOCAL
    conf["spark.hadoop.mapreduce.outputcommitter.factory.scheme.s3a"] = FILE_COMMITTER
    buckets = sorted(p for p in s3_root.iterdir() if p.is_dir()) if s3_root.is_dir() else []
    for bucket in buckets:
        target = f"{LOCAL_SCHEME}://{bucket.resolve().as_posix()}"
        conf[f"spark.hadoop.fs.viewfs.mounttable.{bucket.name}.linkFallback"] = target
    return conf


def spark_submit_args(
    memory: str | None = None, java_options: str = "", conf: Mapping[str, str] | None = None
) -> str:
    """``PYSPARK_SUBMIT_ARGS`` for a local job's JVM (``memory``: its heap cap;
    ``java_options``: the JVM's own options; ``conf``: more Spark settings)."""
    heap = f" --driver-memory {memory}" if memory else ""
    options = f"{JIT_OPTIONS} {jvmguard.java_options()} {java_options}".strip()
    jvm = f" --driver-java-options {shlex.quote(options)}"
    more = "".join(f" --conf {shlex.quote(f'{k}={v}')}" for k, v in (conf or {}).items())
    return f"--master local[*]{heap}{jvm} {SPARK_SUBMIT_CONF}{more} pyspark-shell"


def use_local_runtime() -> bool:
    """False where the real awsglue library is present (the Glue Docker image)."""
    return os.environ.get(REAL_AWSGLUE_ENV) != "1"


__all__ = [
    "JIT_OPTIONS",
    "REAL_AWSGLUE_ENV",
    "RUNTIME_DIR",
    "SPARK_SUBMIT_CONF",
    "SUBMIT_ARGS_ENV",
    "s3_scheme_conf",
    "spark_submit_args",
    "use_local_runtime",
]

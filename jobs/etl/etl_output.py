"""Where the ETL writes: JSON documents, output purging, clean SageMaker channels.

SageMaker's XGBoost container reads every object under a channel prefix as data: a
``_SUCCESS`` marker, a checksum file or an empty object breaks or skews training, so
each channel is tidied after Spark writes it and must end up holding data files only.

Shipped to Glue with ``--extra-py-files``; runs on Python 3.9.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
from typing import Any, Callable

from etl_contract import PreprocessError
from etl_scan import client, hidden, is_s3, local, split_s3


def finite(value: Any) -> Any:
    """``value`` with every non-finite float replaced by None (JSON has no NaN/Infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dump(document: Any) -> str:
    return json.dumps(finite(document), indent=2, sort_keys=True, allow_nan=False)


def concurrently(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in a thread of its own and return their results in order; raise
    the first call's error once all have ended (no Spark job outlives this).

    For independent Spark actions (the three split writes, the train statistics): on
    small data each costs mostly scheduling latency, which overlaps; on large data
    their tasks share the cores. PySpark's ``InheritableThread`` carries the caller's
    job group and other local properties into each thread's Spark jobs, so stopping
    the job run cancels them too."""
    from pyspark import InheritableThread

    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        try:
            results[index] = calls[index]()
        except BaseException as exc:  # re-raised in the caller's thread
            errors[index] = exc

    threads = [InheritableThread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:  # interrupted (SIGINT, the job's SIGTERM): stop the actions first
        cancel_spark_jobs()
        for thread in threads:
            thread.join(CANCEL_WAIT_SECONDS)
        raise
    for error in errors:
        if error is not None:
            raise error
    return results


CANCEL_WAIT_SECONDS = 30.0


def cancel_spark_jobs() -> None:
    """Cancel the running Spark jobs of the caller's job group (all of them without
    one); nothing when the JVM is gone."""
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        return
    with contextlib.suppress(Exception):  # the JVM is gone: its jobs with it
        group = sc.getLocalProperty("spark.jobGroup.id")
        if group:
            sc.cancelJobGroup(group)
        else:
            sc.cancelAllJobs()


def write_text(uri: str, text: str) -> None:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        client("s3").put_object(
            Bucket=bucket, Key=key, Body=text.encode("utf-8"), ContentType="application/json"
        )
        return
    path = local(uri)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)


def read_text(uri: str) -> str:
    if is_s3(uri):
        bucket, key = split_s3(uri)
        body = client("s3").get_object(Bucket=bucket, Key=key)["Body"]
        return str(body.read().decode("utf-8"))
    with open(local(uri), encoding="utf-8") as handle:
        return handle.read()


def clear_output(glue_context: Any, output: str, names: list[str]) -> None:
    """Empty the output prefix first: Glue's S3 sink only appends."""
    if is_s3(output):
        glue_context.purge_s3_path(output, {"retentionPeriod": 0})
        return
    base = local(output)
    for name in names:
        path = os.path.join(base, name)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.remove(path)


def write_lines(frame: Any, path: str) -> None:
    """Append a frame of one text column (``etl_features.csv_line``: CSV lines already)
    under ``path`` as ``part-*.csv`` objects, as they are: the CSV writer, with a tab as
    its separator, has no reason to quote a line of comma-separated numbers (no tab,
    quote or line break in it), and it names the files as CSV, which the text writer
    does not."""
    no_checksums(frame.sparkSession, path)
    frame.write.mode("append").option("sep", "\t").option("header", False).csv(path)


def no_checksums(spark: Any, path: str) -> None:
    """Have Hadoop write no hidden ``.crc`` file beside each file under ``path``: its
    local file system (a path of this machine: the local target's S3 directory) writes
    one by default, which S3 would not hold and a channel must not. Turned off before
    the write, so a write that fails midway leaves none either. Nothing on S3 (Glue)."""
    if is_s3(path):
        return
    jvm, conf = spark.sparkContext._jvm, spark.sparkContext._jsc.hadoopConfiguration()
    # the cached instance every task's writer gets (the cache is per scheme and user)
    jvm.org.apache.hadoop.fs.Path(path).getFileSystem(conf).setWriteChecksum(False)


def remove_outputs(output: str, names: list[str]) -> None:
    """Delete ``names`` under the output prefix (a channel prefix, hidden and temporary
    files included, or a document) after a failed run, through S3 (boto3) or the file
    system, never Spark: its JVM may be gone. Errors are swallowed: the run's own
    failure is what must surface."""
    for name in names:
        uri = f"{output}{name}"
        try:
            if not is_s3(uri):
                path = local(uri).rstrip("/")
                if os.path.isdir(path):
                    shutil.rmtree(path, ignore_errors=True)
                elif os.path.exists(path):
                    os.remove(path)
                continue
            s3 = client("s3")
            bucket, key = split_s3(uri)  # a prefix ("<out>/train/") or an object's key
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
            for page in pages:  # at most 1000 keys a page, as DeleteObjects takes
                keys = [
                    {"Key": obj["Key"]}
                    for obj in page.get("Contents") or []
                    if key.endswith("/") or obj["Key"] == key
                ]
                if keys:
                    s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        except Exception as exc:  # reported, not raised
            print(f"glue-wf: could not remove {uri} after the failure: {exc}", flush=True)


def tidy_channel(uri: str) -> int:
    """Delete markers, hidden and empty files under a channel prefix; the number of
    data files left (at least one, else the channel is unusable)."""
    kept = 0
    if is_s3(uri):
        s3 = client("s3")
        bucket, prefix = split_s3(uri)
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        for page in pages:
            for obj in page.get("Contents") or []:
                name = obj["Key"][len(prefix) :]
                if int(obj["Size"]) == 0 or any(hidden(p) for p in name.split("/") if p):
                    s3.delete_object(Bucket=bucket, Key=obj["Key"])
                else:
                    kept += 1
    else:
        for root, _, files in os.walk(local(uri)):
            for name in files:
                path = os.path.join(root, name)
                if hidden(name) or os.path.getsize(path) == 0:
                    os.remove(path)
                else:
                    kept += 1
    if not kept:
        raise PreprocessError(f"channel {uri} holds no data file after writing")
    return kept

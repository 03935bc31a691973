"""jobs/preprocess.py on failure: a warm JVM lost to an out-of-memory error is named as
such, and a run that fails once it began writing leaves no channel (nor .crc) behind."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from test_preprocess import CHURN_CONTRACT, churn_rows, preprocess, run_job, write_csv

__all__ = ["preprocess"]  # the module fixture, shared


def _lost(call: str = "o400.unpersist") -> BaseException:
    """What py4j raises when the gateway's JVM is gone mid-call."""
    from py4j.protocol import Py4JError, Py4JNetworkError

    try:
        try:
            raise Py4JNetworkError("Answer from Java side is empty")
        except Py4JNetworkError as exc:
            raise Py4JError(f"An error occurred while calling {call}") from exc
    except Py4JError as error:
        return error


def _attach(monkeypatch: pytest.MonkeyPatch, log: Path, memory: str) -> None:
    """Attach awsglue._warm to a stand-in warm Spark answering a lease."""
    from awsglue import _warm

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"@glue-wf-test-warm-{id(log)}"
    listener.bind("\0" + name[1:])
    listener.listen(1)

    def serve() -> None:
        conn, _ = listener.accept()
        conn.makefile("rb").readline()
        reply = {"port": 1, "secret": "s", "pid": 7, "log": str(log), "memory": memory}
        conn.sendall(json.dumps(reply).encode() + b"\n")
        served.append(conn)

    served: list[socket.socket] = []
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    for variable in ("PYSPARK_GATEWAY_PORT", "PYSPARK_GATEWAY_SECRET", "GLUE_WF_WARM_SPARK_LEASED"):
        monkeypatch.setenv(variable, "")  # restored (removed) after the test
        monkeypatch.delenv(variable)
    monkeypatch.setenv(_warm.ADDRESS_ENV, name)
    monkeypatch.setattr(_warm, "_lease", None)
    monkeypatch.setattr(_warm, "_job_group", None)
    monkeypatch.setattr(_warm, "_log", {})
    _warm.attach()
    thread.join(10)
    listener.close()
    assert _warm._lease is not None
    _warm._lease.close()
    for conn in served:
        conn.close()


OOM_TRACE = (
    "24/05/01 10:00:00 ERROR SparkUncaughtExceptionHandler: Uncaught exception in thread "
    "Thread[Executor task launch worker for task 3.0 in stage 9.0 (TID 41),5,main]\n"
    "java.lang.OutOfMemoryError: Java heap space\n"
    "\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n"
)


def test_a_lost_warm_jvm_that_ran_out_of_memory_names_warm_spark_memory(
    preprocess, tmp_path, monkeypatch
):
    log = tmp_path / "warm.log"
    log.write_text("2024-05-01T09:59:59Z warm-spark: JVM pid 7 ready (heap cap 512m)\n")
    _attach(monkeypatch, log, "512m")
    with log.open("a") as handle:  # during the run: the JVM's task ran out of heap
        handle.write(OOM_TRACE)
    assert preprocess.one_line(_lost()) == (
        "the Spark driver ran out of memory (java.lang.OutOfMemoryError: Java heap space, "
        f"in {log}) and the job lost its JVM (Py4JError: An error occurred while calling "
        'o400.unpersist): raise [target.local] warm_spark_memory in glue-wf.toml from "512m" '
        'to "1g" or more, then run the node again: glue-wf resume <run> --wait'
    )


def test_any_jobs_lost_warm_jvm_out_of_memory_is_named_by_the_job_library(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from glue_workflow.jobkit.failure import exception_reason

    log = tmp_path / "warm.log"
    log.write_text("")
    _attach(monkeypatch, log, "1g")
    monkeypatch.setenv("GLUE_WF_WARM_SPARK_LEASED", "1")
    with log.open("a") as handle:
        handle.write(OOM_TRACE)
    # a job of the user's own (run_job records this reason), not only preprocess
    assert exception_reason(_lost("o7.collectToPython")) == (
        "the Spark driver ran out of memory (java.lang.OutOfMemoryError: Java heap space, "
        f"in {log}) and the job lost its JVM (Py4JError: An error occurred while calling "
        'o7.collectToPython): raise [target.local] warm_spark_memory in glue-wf.toml from "1g" '
        'to "2g" or more, then run the node again: glue-wf resume <run> --wait'
    )


def test_an_out_of_memory_error_logged_before_the_run_attached_is_not_its_own(
    preprocess, tmp_path, monkeypatch
):
    log = tmp_path / "warm.log"
    log.write_text(OOM_TRACE + "2024-05-01T10:00:01Z warm-spark: JVM pid 6 exited with code 52\n")
    _attach(monkeypatch, log, "1g")
    with log.open("a") as handle:
        handle.write("2024-05-01T10:01:00Z warm-spark: JVM pid 7 leased to jr_2 (pid 9)\n")
    reason = preprocess.one_line(_lost("o12.count"))
    assert reason.startswith("Py4JError: An error occurred while calling o12.count (the job lost")
    assert "glue-wf resume <run> --wait" in reason
    assert "out of memory" not in reason


def test_an_out_of_memory_error_through_py4j_names_the_heap_cap_and_a_larger_one(
    preprocess, tmp_path, monkeypatch
):
    log = tmp_path / "warm.log"
    log.write_text("")
    _attach(monkeypatch, log, "768m")
    error = RuntimeError(
        "An error occurred while calling o6.collectToPython.\n: java.lang.OutOfMemoryError: "
        "GC overhead limit exceeded"
    )
    assert preprocess.one_line(error) == (
        "RuntimeError: java.lang.OutOfMemoryError: GC overhead limit exceeded (the Spark "
        "driver's heap is full: raise [target.local] warm_spark_memory in glue-wf.toml from "
        '"768m" to "1536m" or more; on Glue use more or larger workers)'
    )


def test_larger_heaps_are_written_as_the_jvm_takes_them():
    from awsglue._warm import larger_heap

    assert [larger_heap(m) for m in ("512m", "1g", "3G", "768m", "x")] == [
        "1g",
        "2g",
        "6g",
        "1536m",
        "2g",
    ]


def test_remove_outputs_deletes_a_channels_hidden_objects_through_s3(monkeypatch):
    """With the JVM gone the objects are deleted through boto3 (the local S3), hidden
    and temporary ones included; data_quality.json stays (it says why the run failed)."""
    import etl_output

    objects = {
        "o/run/train/part-0.csv",
        "o/run/train/.part-0.csv.crc",
        "o/run/test/_temporary/0/part-1.csv",
        "o/run/baseline.json",
        "o/run/data_quality.json",
        "o/run/trainer/keep.csv",
    }

    class S3:
        def get_paginator(self, _name: str) -> Any:
            return self

        def paginate(self, Bucket: str, Prefix: str) -> Any:
            yield {"Contents": [{"Key": k} for k in sorted(objects) if k.startswith(Prefix)]}

        def delete_objects(self, Bucket: str, Delete: dict[str, Any]) -> None:
            objects.difference_update(o["Key"] for o in Delete["Objects"])

    monkeypatch.setattr(etl_output, "client", lambda _service: S3())
    etl_output.remove_outputs("s3://b/o/run/", ["train/", "validation/", "test/", "baseline.json"])
    assert objects == {"o/run/data_quality.json", "o/run/trainer/keep.csv"}


@pytest.mark.spark
def test_a_write_failing_midway_leaves_no_channel_and_no_crc(
    spark, preprocess, churn_csv, tmp_path, monkeypatch
):
    import etl_output

    header, rows = churn_rows(churn_csv, 300)
    data = write_csv(tmp_path / "in" / "churn.csv", header, rows)
    real, hidden = etl_output.write_lines, []

    def write_then_fail(frame: Any, path: str) -> None:
        real(frame, path)
        hidden.extend(p.name for p in Path(path).rglob(".*"))
        if Path(path).name == "test":
            raise RuntimeError("No space left on device")

    monkeypatch.setattr(etl_output, "write_lines", write_then_fail)
    out = tmp_path / "out"
    outcome = run_job(
        spark,
        {
            "--input_uri": str(data),
            "--output_uri": str(out),
            "--dataset_config_uri": CHURN_CONTRACT,
        },
    )
    assert outcome.exit_code == 1
    assert outcome.error.endswith("RuntimeError: No space left on device")
    assert hidden == []  # Hadoop wrote no .crc beside the parts, even before the tidy
    assert sorted(p.name for p in out.iterdir()) == ["data_quality.json"]
    report = json.loads((out / "data_quality.json").read_text())
    assert (report["decision"], report["reason"]) == (
        "failed",
        "RuntimeError: No space left on device",
    )

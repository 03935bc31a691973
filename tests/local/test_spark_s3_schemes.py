"""A job's own Spark reads and writes of s3://, s3a://, s3n:// reach the local S3."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.local.glue.logs import job_log_path

pytestmark = pytest.mark.spark

# Plain PySpark, as many Glue scripts are: no awsglue at all.
SCRIPT = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
rows = spark.read.option("header", True).csv("s3://lake/in/")
rows.write.mode("overwrite").parquet("s3a://lake/out/")
rows.write.mode("overwrite").csv("s3a://lake/out-csv/")  # the S3A committer is not used
back = sorted(tuple(r) for r in spark.read.parquet("s3://lake/out").collect())
lines = spark.sparkContext.textFile("s3n://lake/in/a.csv").collect()
print(f"READ {back} LINES {len(lines)}")
# a bucket that does not exist: refused, never a path of this machine
import os
for name, action in (
    ("read", lambda: spark.read.text("s3://no-such-bucket/etc/hostname").collect()),
    ("write", lambda: spark.range(2).write.parquet("s3://no-such-bucket" + os.getcwd() + "/x")),
):
    try:
        action()
        print(f"MISSING {name} not refused")
    except Exception:
        print(f"MISSING {name} refused")
print(f"LEFT {os.path.exists(os.getcwd() + '/x')}")
"""


def _wait(glue: Any, run_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while True:
        run = glue.get_job_run(JobName="s3job", RunId=run_id)["JobRun"]
        if run["JobRunState"] not in ("STARTING", "RUNNING", "STOPPING"):
            return dict(run)
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _run(
    home: Path, script: Path, source: str, arguments: dict[str, str] | None = None
) -> tuple[dict[str, Any], str]:
    """Run ``source`` as Spark job ``s3job``: its final run and its log."""
    import boto3

    script.write_text(source)
    glue = boto3.client("glue")
    glue.delete_job(JobName="s3job")
    glue.create_job(
        Name="s3job",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script)},
        GlueVersion="5.0",
        DefaultArguments=arguments or {},
    )
    run_id = glue.start_job_run(JobName="s3job")["JobRunId"]
    run = _wait(glue, run_id)
    return run, job_log_path(home, run_id).read_text()


@pytest.mark.parametrize("warm", ["1", "0"])
def test_spark_read_and_write_of_s3_uris_use_the_local_s3(
    warm: str, warm_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    monkeypatch.setenv("GLUE_WF_WARM_SPARK", warm)
    lake = warm_home / "s3" / "lake"
    (lake / "in").mkdir(parents=True, exist_ok=True)
    (lake / "in" / "a.csv").write_text("id,name\n1,ann\n2,bob\n")
    run, log = _run(warm_home, tmp_path / "s3job.py", SCRIPT)
    assert run["JobRunState"] == "SUCCEEDED", log
    assert "READ [('1', 'ann'), ('2', 'bob')] LINES 3" in log
    # a bucket that does not exist, as on S3 (before: the key as a path of this machine)
    assert "MISSING read refused" in log
    assert "MISSING write refused" in log
    assert "LEFT False" in log
    # plain PySpark attaches to the warm Spark too (and so gets its settings and guard)
    assert ("attached to the warm Spark" in log) == (warm == "1")
    written = sorted(p.name for p in (lake / "out").iterdir())
    assert written[0] == "_SUCCESS"  # as Spark's committer writes it on S3 too
    assert all(n.endswith(".parquet") for n in written[1:]), written  # no .crc files
    assert any(p.suffix == ".csv" for p in (lake / "out-csv").iterdir())
    listed = boto3.client("s3").list_objects_v2(Bucket="lake", Prefix="out/")["Contents"]
    assert len(listed) == len(written)


CATALOG_SCRIPT = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
print("COUNT", spark.sql("SELECT count(*) AS n FROM shop.orders WHERE amount > 1").first()[0])
"""


def test_a_plain_pyspark_job_sees_catalog_tables_with_enable_glue_datacatalog(
    warm_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on Glue, where the flag makes the Data Catalog every session's metastore."""
    import json

    monkeypatch.setenv("GLUE_WF_WARM_SPARK", "1")
    orders = warm_home / "s3" / "shop" / "orders"
    orders.mkdir(parents=True, exist_ok=True)
    (orders / "o.csv").write_text("id,amount\n1,0.5\n2,3.5\n3,7\n")
    (warm_home / "catalog.json").write_text(
        json.dumps(
            {
                "databases": {
                    "shop": {
                        "orders": {
                            "location": "s3://shop/orders/",
                            "format": "csv",
                            "format_options": {"withHeader": True},
                            "columns": [
                                {"Name": "id", "Type": "bigint"},
                                {"Name": "amount", "Type": "double"},
                            ],
                        }
                    }
                }
            }
        )
    )
    arguments = {"--enable-glue-datacatalog": "true"}
    run, log = _run(warm_home, tmp_path / "sql_job.py", CATALOG_SCRIPT, arguments)
    assert run["JobRunState"] == "SUCCEEDED", log
    assert "COUNT 2" in log

"""Unmodified Glue-style scripts run in-process against the shared session."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.spark

GLUE_STUDIO_SCRIPT = """
import sys
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from awsglue.context import GlueContext
from awsglue.job import Job

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source", "target"])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

src = glueContext.create_dynamic_frame.from_options(
    format_options={"quoteChar": '"', "withHeader": True, "separator": ","},
    connection_type="s3", format="csv",
    connection_options={"paths": [args["source"]], "recurse": True},
    transformation_ctx="src")
mapped = ApplyMapping.apply(frame=src, mappings=[
    ("id", "string", "id", "long"), ("city", "string", "town", "string")],
    transformation_ctx="mapped")
glueContext.write_dynamic_frame.from_options(
    frame=mapped, connection_type="s3", format="json",
    connection_options={"path": args["target"], "partitionKeys": []},
    transformation_ctx="sink")
job.commit()
sc.stop()
"""


def test_glue_studio_style_script_in_process(glue_home, spark, tmp_path):
    from glue_workflow.awsglue_local.runner import job_argv, run_in_process

    source = glue_home / "s3" / "bkt" / "in" / "a.csv"
    source.parent.mkdir(parents=True)
    source.write_text("id,city\n1,Oslo\n2,Rome\n")
    script = tmp_path / "studio_job.py"
    script.write_text(GLUE_STUDIO_SCRIPT)
    argv = job_argv(
        script, {"--source": "s3://bkt/in/", "--target": "s3://bkt/out/"}, job_name="studio"
    )
    before = dict(os.environ)
    outcome = run_in_process(argv)
    assert outcome.succeeded, outcome.error
    assert dict(os.environ) == before
    out = spark.read.json(str(glue_home / "s3" / "bkt" / "out"))
    assert sorted((r["id"], r["town"]) for r in out.collect()) == [(1, "Oslo"), (2, "Rome")]
    assert spark.range(3).count() == 3  # sc.stop() in the script left the session running


@pytest.mark.parametrize(
    ("body", "code", "error"),
    [
        ("import sys; sys.exit(0)", 0, None),
        ("import sys; sys.exit(None)", 0, None),
        ("import sys; sys.exit(5)", 5, None),
        ("import sys; sys.exit('bad input')", 1, "bad input"),
        ("raise ValueError('broken\\nsecond line')", 1, "ValueError: broken"),
    ],
)
def test_exit_semantics(spark, tmp_path, body, code, error):
    from glue_workflow.awsglue_local.runner import run_in_process

    script = tmp_path / "s.py"
    script.write_text(body)
    outcome = run_in_process([str(script)])
    assert outcome.exit_code == code
    assert outcome.error == error


def test_a_jobs_sql_settings_do_not_reach_the_next_run(spark, tmp_path):
    from glue_workflow.awsglue_local.runner import run_in_process

    partitions = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "3")
    script = tmp_path / "settings.py"
    script.write_text(
        "from pyspark.sql import SparkSession\n"
        "spark = SparkSession.builder.getOrCreate()\n"
        "spark.conf.set('spark.sql.caseSensitive', 'true')\n"
        "spark.conf.set('spark.sql.shuffle.partitions', '7')\n"
        "spark.conf.set('glue_wf.test.key', 'x')\n"
        "assert spark.conf.get('spark.sql.caseSensitive') == 'true'\n"
    )
    try:
        assert run_in_process([str(script)]).succeeded
        assert spark.conf.get("spark.sql.caseSensitive") == "false"
        assert spark.conf.get("spark.sql.shuffle.partitions") == "3"
        assert spark.conf.get("glue_wf.test.key", None) is None
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", partitions)

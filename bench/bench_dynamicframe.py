"""DynamicFrame/transforms overhead vs the same work in plain PySpark DataFrames.

Both variants run in one SparkSession (local[2]) on the same generated frame, in
alternating order, several times; the figure is the ratio of median wall times
(DynamicFrame / DataFrame). Usage: python bench/bench_dynamicframe.py [rows]
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from glue_workflow.awsglue_local import RUNTIME_DIR  # noqa: E402

sys.path.insert(0, str(RUNTIME_DIR))

REPEATS = 9
BUILDS = 20


def source(spark: Any, rows: int) -> Any:
    from pyspark.sql import functions as F

    return (
        spark.range(rows)
        .select(
            F.col("id"),
            (F.col("id") % 50).cast("string").alias("state"),
            (F.rand(1) * 200).cast("string").alias("account_length"),
            (F.rand(2) * 20).alias("day_mins"),
            (F.rand(3) * 10).cast("int").alias("calls"),
            F.when(F.rand(4) > 0.5, "True").otherwise("False").alias("churn"),
            F.lit("x").alias("junk"),
        )
        .cache()
    )


def plain(df: Any, other: Any) -> Any:
    from pyspark.sql import functions as F

    out = (
        df.select(
            F.col("id").alias("customer"),
            F.col("state"),
            F.col("account_length").cast("double").alias("length"),
            F.col("day_mins").cast("double").alias("minutes"),
            F.col("calls").cast("long").alias("calls"),
            F.col("churn").cast("boolean"),
        )
        .drop("calls")
        .withColumnRenamed("minutes", "day_minutes")
        .select("customer", "state", "length", "day_minutes", "churn")
    )
    joined = out.join(other, out["customer"] == other["cid"], "inner")
    return joined.unionByName(joined).repartition(4)


def dynamic(df: Any, other: Any, glue_context: Any) -> Any:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import (
        ApplyMapping,
        DropFields,
        Join,
        RenameField,
        Repartition,
        SelectFields,
        Union,
    )

    frame = DynamicFrame.fromDF(df, glue_context, "src")
    out = ApplyMapping.apply(
        frame=frame,
        mappings=[
            ("id", "long", "customer", "long"),
            ("state", "string", "state", "string"),
            ("account_length", "string", "length", "double"),
            ("day_mins", "double", "minutes", "double"),
            ("calls", "int", "calls", "long"),
            ("churn", "string", "churn", "boolean"),
        ],
    )
    out = DropFields.apply(frame=out, paths=["calls"])
    out = RenameField.apply(frame=out, old_name="minutes", new_name="day_minutes")
    out = SelectFields.apply(
        frame=out, paths=["customer", "state", "length", "day_minutes", "churn"]
    )
    joined = Join.apply(
        frame1=out,
        frame2=DynamicFrame.fromDF(other, glue_context, "o"),
        keys1="customer",
        keys2="cid",
    )
    return Repartition.apply(
        frame=Union.apply(frame1=joined, frame2=joined), num_partitions=4
    ).toDF()


def plain_filter(df: Any) -> Any:
    rdd = df.rdd.filter(lambda row: row["calls"] > 4 and row["state"] != "7")
    return df.sparkSession.createDataFrame(rdd, df.schema)


def dynamic_filter(df: Any, glue_context: Any) -> Any:
    from awsglue.dynamicframe import DynamicFrame
    from awsglue.transforms import Filter

    frame = DynamicFrame.fromDF(df, glue_context, "src")
    return Filter.apply(frame=frame, f=lambda r: r["calls"] > 4 and r["state"] != "7").toDF()


def timed(build: Any) -> float:
    """Wall time to build the frame and run it to completion (noop sink)."""
    start = time.perf_counter()
    build().write.format("noop").mode("overwrite").save()
    return time.perf_counter() - start


def plan_text(df: Any) -> str:
    """The optimized plan without expression ids; try_cast and cast compare equal
    (both null on failure with ANSI off, Glue 5.0's default)."""
    text = str(df._jdf.queryExecution().optimizedPlan().toString())
    text = re.sub(r"#\d+L?", "", text).replace("try_cast(", "cast(")
    return re.sub(r"\b(\w+) AS \1\b", r"\1", text)  # a no-op alias is no work


def compare(name: str, base: Any, ours: Any) -> None:
    timed(base), timed(ours)  # warm up: code generation, Python workers
    a: list[float] = []
    b: list[float] = []
    for i in range(REPEATS):
        pair = [(a, base), (b, ours)] if i % 2 == 0 else [(b, ours), (a, base)]
        for bucket, fn in pair:
            bucket.append(timed(fn))
    same = plan_text(base()) == plan_text(ours())
    # The layer's own cost is driver-side plan building; the executed plans are compared.
    build_a = min(_build_time(base) for _ in range(BUILDS))
    build_b = min(_build_time(ours) for _ in range(BUILDS))
    print(
        f"{name}\n  DataFrame    min {min(a):6.2f} s  median {statistics.median(a):6.2f} s"
        f"\n  DynamicFrame min {min(b):6.2f} s  median {statistics.median(b):6.2f} s"
        f"\n  ratio (min) {min(b) / min(a):5.3f}   ratio (median) "
        f"{statistics.median(b) / statistics.median(a):5.3f}   same optimized plan: {same}"
        f"\n  plan building (driver): DataFrame {build_a * 1000:.1f} ms, DynamicFrame "
        f"{build_b * 1000:.1f} ms = {(build_b - build_a) / min(a) * 100:+.2f}% of the run"
    )


def _build_time(build: Any) -> float:
    start = time.perf_counter()
    build()
    return time.perf_counter() - start


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    from awsglue.context import GlueContext

    from glue_workflow.awsglue_local.runner import local_spark_session

    spark = local_spark_session(master="local[2]", shuffle_partitions=4)
    spark.sparkContext.setLogLevel("ERROR")
    glue_context = GlueContext(spark.sparkContext)
    df = source(spark, rows)
    other = spark.range(0, rows, 3).withColumnRenamed("id", "cid").cache()
    print(f"rows: {df.count():,} (cached); median of {REPEATS} alternating runs, local[2]")
    compare(
        "columnar transforms (map/join/...)",
        lambda: plain(df, other),
        lambda: dynamic(df, other, glue_context),
    )
    small = df.limit(max(rows // 5, 1)).cache()
    small.count()
    compare(
        f"Filter with a Python predicate ({small.count():,} rows)",
        lambda: plain_filter(small),
        lambda: dynamic_filter(small, glue_context),
    )


if __name__ == "__main__":
    main()

"""Record-level transforms (Filter, Map) through a Python RDD, keeping error records.

Worker-side functions are closures over the standard library and the user function
only, so Spark's Python workers need nothing but pyspark to run them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ERROR_FIELDS = ("transformation_ctx", "error", "record")


def error_schema() -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(name, StringType(), True) for name in ERROR_FIELDS])


def empty_errors(spark: Any) -> Any:
    return spark.createDataFrame([], error_schema())


def _converter(schema: Any) -> Callable[[Any], dict[str, Any]]:
    """Row → dict; flat schemas skip the recursive conversion (the common, fast case)."""
    from pyspark.sql.types import ArrayType, MapType, StructType

    names = list(schema.names)
    nested = any(isinstance(f.dataType, (StructType, ArrayType, MapType)) for f in schema.fields)
    if nested:
        return lambda row: row.asDict(recursive=True)
    return lambda row: dict(zip(names, row, strict=True))


def _worker(
    kind: str,
    want: str,
    f: Callable[[dict[str, Any]], Any],
    ctx: str,
    convert: Callable[[Any], dict[str, Any]],
) -> Callable[..., Any]:
    """A partition function yielding either the data rows or the error records.

    The two outputs are separate Spark computations: the data path never builds error
    records, and the error path runs only when errors are counted or shown.
    """
    keep_data = want == "data"

    def run(rows: Any) -> Any:
        import json

        for row in rows:
            record = convert(row)
            try:
                result = f(record)
            except Exception as exc:
                if kind == "filter" and isinstance(exc, (KeyError, ValueError, TypeError)):
                    continue  # Glue drops the record silently
                if not keep_data:
                    yield (
                        ctx,
                        f"{type(exc).__name__}: {exc}",
                        json.dumps(record, default=str, sort_keys=True),
                    )
                continue
            if kind == "filter":
                if result and keep_data:
                    yield row
                continue
            problem = None
            if result is None:
                problem = "map function returned None"
            elif not isinstance(result, dict):
                problem = f"map function returned {type(result).__name__}, not a dict"
            if keep_data and problem is None:
                yield json.dumps(result, default=str, sort_keys=True)
            elif not keep_data and problem is not None:
                yield (ctx, problem, json.dumps(record, default=str, sort_keys=True))

    return run


def _errors(df: Any, kind: str, f: Callable[[dict[str, Any]], Any], ctx: str) -> Any:
    run = _worker(kind, "errors", f, ctx, _converter(df.schema))
    return df.sparkSession.createDataFrame(
        df.rdd.mapPartitions(run), error_schema(), verifySchema=False
    )


def filter_rows(df: Any, f: Callable[[dict[str, Any]], Any], ctx: str) -> tuple[Any, Any]:
    """(rows where ``f(record)`` is truthy, error records) as DataFrames."""
    run = _worker("filter", "data", f, ctx, _converter(df.schema))
    data = df.sparkSession.createDataFrame(df.rdd.mapPartitions(run), df.schema, verifySchema=False)
    return data, lambda: _errors(df, "filter", f, ctx)


def map_rows(df: Any, f: Callable[[dict[str, Any]], Any], ctx: str) -> tuple[Any, Any]:
    """(records returned by ``f``, error records); fields keep their input types."""
    from pyspark.sql.types import StructType

    from awsglue._types import quote

    spark = df.sparkSession
    ok = df.rdd.mapPartitions(_worker("map", "data", f, ctx, _converter(df.schema)))
    error_df = lambda: _errors(df, "map", f, ctx)  # noqa: E731 - built only when counted
    if ok.isEmpty():
        return spark.createDataFrame([], StructType([])), error_df
    data = spark.read.json(ok)
    inputs = {field.name: field.dataType for field in df.schema.fields}
    columns = []
    for field in data.schema.fields:
        original = inputs.get(field.name)
        if (
            original is not None
            and original != field.dataType
            and not isinstance(original, StructType)
        ):
            sql = f"try_cast({quote(field.name)} AS {original.simpleString()})"
            columns.append(f"{sql} AS {quote(field.name)}")
        else:
            columns.append(quote(field.name))
    return data.selectExpr(*columns), error_df

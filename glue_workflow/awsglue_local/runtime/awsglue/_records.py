"""Record-level transforms (Filter, Map) through a Python RDD, keeping error records.

Worker-side functions are closures over the standard library and the user function
only, so Spark's Python workers need nothing but pyspark to run them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ERROR_FIELDS = ("transformation_ctx", "error", "record")
_OK, _ERROR = 0, 1


def error_schema() -> Any:
    from pyspark.sql.types import StringType, StructField, StructType

    return StructType([StructField(name, StringType(), True) for name in ERROR_FIELDS])


def empty_errors(spark: Any) -> Any:
    return spark.createDataFrame([], error_schema())


def _tagger(kind: str, f: Callable[[dict[str, Any]], Any], ctx: str) -> Callable[..., Any]:
    def tag(rows: Any) -> Any:
        import json

        def to_json(record: Any) -> str:
            return json.dumps(record, default=str, sort_keys=True)

        for row in rows:
            record = row.asDict(recursive=True)
            try:
                result = f(record)
            except (KeyError, ValueError, TypeError) as exc:
                if kind == "filter":
                    continue  # Glue drops the record silently
                yield (_ERROR, (ctx, f"{type(exc).__name__}: {exc}", to_json(record)))
                continue
            except Exception as exc:
                yield (_ERROR, (ctx, f"{type(exc).__name__}: {exc}", to_json(record)))
                continue
            if kind == "filter":
                if result:
                    yield (_OK, row)
            elif result is None:
                yield (_ERROR, (ctx, "map function returned None", to_json(record)))
            elif not isinstance(result, dict):
                message = f"map function returned {type(result).__name__}, not a dict"
                yield (_ERROR, (ctx, message, to_json(record)))
            else:
                yield (_OK, to_json(result))

    return tag


def _split(tagged: Any) -> tuple[Any, Any]:
    ok = tagged.filter(lambda item: item[0] == 0).map(lambda item: item[1])
    errors = tagged.filter(lambda item: item[0] == 1).map(lambda item: item[1])
    return ok, errors


def filter_rows(df: Any, f: Callable[[dict[str, Any]], Any], ctx: str) -> tuple[Any, Any]:
    """(rows where ``f(record)`` is truthy, error records) as DataFrames."""
    spark = df.sparkSession
    ok, errors = _split(df.rdd.mapPartitions(_tagger("filter", f, ctx)))
    data = spark.createDataFrame(ok, df.schema, verifySchema=False)
    return data, spark.createDataFrame(errors, error_schema(), verifySchema=False)


def map_rows(df: Any, f: Callable[[dict[str, Any]], Any], ctx: str) -> tuple[Any, Any]:
    """(records returned by ``f``, error records); fields keep their input types."""
    from pyspark.sql.types import StructType

    from awsglue._types import quote

    spark = df.sparkSession
    ok, errors = _split(df.rdd.mapPartitions(_tagger("map", f, ctx)))
    error_df = spark.createDataFrame(errors, error_schema(), verifySchema=False)
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

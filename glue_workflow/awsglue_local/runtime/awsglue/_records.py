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
                yield result
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


def _type_merger() -> Callable[[list[Any], Any], None]:
    """``merge(entry, kind)``: fold a value's Spark type into a field's ``[type, clashing
    types, fits input]`` entry. Built here so that Spark ships it to its Python workers by
    value (they need nothing but pyspark)."""

    def merge(entry: list[Any], kind: Any) -> None:
        from pyspark.sql.types import (
            AtomicType,
            DecimalType,
            DoubleType,
            FractionalType,
            IntegralType,
            _merge_type,
        )

        known = entry[0]
        if kind is None or known == kind:
            return
        if known is None:
            entry[0] = kind
            return
        whole = (IntegralType, DecimalType)
        if all(isinstance(t, whole) and getattr(t, "scale", 0) == 0 for t in (known, kind)):
            entry[0] = DecimalType(38, 0)  # ints past a long's range among them
            return
        numbers = (IntegralType, FractionalType)
        if isinstance(known, numbers) and isinstance(kind, numbers):
            entry[0] = DoubleType()  # int and float values: doubles
            return
        # pyspark would merge a number and a string into a string; Glue makes a choice
        if not (isinstance(known, AtomicType) and isinstance(kind, AtomicType)):
            try:
                entry[0] = _merge_type(known, kind)
                return
            except (TypeError, ValueError):
                pass
        entry[1].update({known.simpleString(), kind.simpleString()})

    return merge


def _field_types(schema: Any, merge: Callable[[list[Any], Any], None]) -> Callable[[Any], Any]:
    """A partition function over mapped records: per field, in the order first seen, its
    values' merged Spark type (``None``: only nulls), the types that did not merge, and
    whether every value fits the input schema's type for that field."""
    inputs = {field.name: field.dataType for field in schema.fields}

    def run(records: Any) -> Any:
        import decimal

        from pyspark.sql.types import (
            DecimalType,
            NullType,
            StringType,
            _infer_type,
            _make_type_verifier,
        )

        verifiers = {name: _make_type_verifier(t, nullable=True) for name, t in inputs.items()}
        texts = {name for name, t in inputs.items() if isinstance(t, StringType)}
        # digits a decimal column holds before its point (pyspark's verifier checks none)
        whole_digits = {
            name: t.precision - t.scale for name, t in inputs.items() if isinstance(t, DecimalType)
        }
        found: dict[str, list[Any]] = {}  # name -> [type, clashing types, fits input]
        for record in records:
            for name, value in record.items():
                entry = found.setdefault(name, [None, set(), name in inputs])
                if entry[2]:
                    try:
                        verifiers[name](value)
                        # pyspark's verifier lets any value into a string column
                        entry[2] = value is None or name not in texts or isinstance(value, str)
                        if isinstance(value, decimal.Decimal) and name in whole_digits:
                            digits = value.as_tuple()
                            used = len(digits.digits) + int(digits.exponent)
                            entry[2] = used <= whole_digits[name]
                    except (TypeError, ValueError):
                        entry[2] = False
                if value is None:
                    continue
                if isinstance(value, int) and not -(2**63) <= value < 2**63:
                    if abs(value) >= 10**38:  # past Spark's widest decimal too
                        entry[1].add("int of more than 38 digits")
                        continue
                    merge(entry, DecimalType(38, 0))  # a long would overflow to null
                    continue
                try:
                    kind = _infer_type(value, infer_dict_as_struct=True)
                except (TypeError, ValueError):
                    entry[1].add(f"{type(value).__name__} of mixed element types")
                    continue
                if not isinstance(kind, NullType):
                    merge(entry, kind)
        yield found

    return run


def _merge_found(
    parts: list[dict[str, list[Any]]], merge: Callable[[list[Any], Any], None]
) -> dict[str, list[Any]]:
    """The partitions' ``_field_types`` summaries as one, fields in first-seen order."""
    merged: dict[str, list[Any]] = {}
    for part in parts:
        for name, (kind, clashes, fits) in part.items():
            entry = merged.setdefault(name, [None, set(), True])
            entry[1] |= clashes
            entry[2] = entry[2] and fits
            merge(entry, kind)
    return merged


def map_rows(df: Any, f: Callable[[dict[str, Any]], Any], ctx: str) -> tuple[Any, Any]:
    """(records returned by ``f``, error records). A field keeps its input type while
    every value still fits it; a new field, or one the function gave values of another
    type, takes the type of its values (ints and floats together: double). Fields are
    in the order first seen (an unchanged record's: the input's)."""
    from pyspark import StorageLevel
    from pyspark.sql.types import (
        DecimalType,
        DoubleType,
        FloatType,
        StringType,
        StructField,
        StructType,
    )

    from awsglue._errors import UnsupportedFeatureError

    spark = df.sparkSession
    records = df.rdd.mapPartitions(_worker("map", "data", f, ctx, _converter(df.schema)))
    # the function runs once: the types and the data come from the same records
    records = records.persist(StorageLevel.MEMORY_AND_DISK)
    error_df = lambda: _errors(df, "map", f, ctx)  # noqa: E731 - built only when counted
    merge = _type_merger()
    found = _merge_found(records.mapPartitions(_field_types(df.schema, merge)).collect(), merge)
    inputs = {field.name: field.dataType for field in df.schema.fields}
    fields = []
    for name, (values_type, clashes, fits) in found.items():
        if clashes:
            raise UnsupportedFeatureError(
                f"Map giving field {name!r} values of several types ({', '.join(sorted(clashes))})",
                "Glue types such a field as a choice, which local frames cannot hold; return "
                "one type per field from the map function (convert the values in it)",
            )
        kind = inputs[name] if name in inputs and (fits or values_type is None) else values_type
        fields.append(StructField(name, kind or StringType(), True))
    schema = StructType(fields)
    names = [field.name for field in fields]
    # Python ints reach a double or decimal column as null unless converted here
    widen = [
        "float"
        if isinstance(field.dataType, (DoubleType, FloatType))
        else "decimal"
        if isinstance(field.dataType, DecimalType)
        else ""
        for field in fields
    ]

    def row(record: dict[str, Any]) -> tuple[Any, ...]:
        import decimal

        values = []
        for name, how in zip(names, widen, strict=True):
            value = record.get(name)
            if how and isinstance(value, int) and not isinstance(value, bool):
                value = float(value) if how == "float" else decimal.Decimal(value)
            values.append(value)
        return tuple(values)

    data = spark.createDataFrame(records.map(row), schema, verifySchema=False)
    return data, error_df

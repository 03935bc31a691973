"""Frame reshaping on DataFrames: unnest, relationalize, split, null-field dropping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from awsglue._errors import GlueRuntimeError
from awsglue._nested import column, drop_paths, resolve, split_path
from awsglue._types import quote

_COMPARATORS = {"<", ">", "=", "==", "!=", "<=", ">="}


def _leaves(schema: Any, prefix: list[str]) -> list[list[str]]:
    from pyspark.sql.types import StructType

    out: list[list[str]] = []
    for field in schema.fields:
        path = [*prefix, field.name]
        if isinstance(field.dataType, StructType) and field.dataType.fields:
            out.extend(_leaves(field.dataType, path))
        else:
            out.append(path)
    return out


def unnest(df: Any) -> Any:
    """Structs flattened into top-level fields named with dots (``a.b``)."""
    leaves = _leaves(df.schema, [])
    if all(len(path) == 1 for path in leaves):
        return df
    return df.select(*[column(path).alias(".".join(path)) for path in leaves])


def relationalize(df: Any, root: str) -> dict[str, Any]:
    """Root table plus one table per array, linked by ``id``/``index`` join keys."""
    tables: dict[str, Any] = {}
    _relationalize(df, root, tables)
    return tables


def _relationalize(df: Any, name: str, tables: dict[str, Any]) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType

    flat = unnest(df)
    arrays = [f.name for f in flat.schema.fields if isinstance(f.dataType, ArrayType)]
    if not arrays:
        tables[name] = flat
        return
    keyed = flat.withColumn("__glue_wf_id", F.monotonically_increasing_id() + F.lit(1))
    root_columns = []
    for field in flat.schema.fields:
        if field.name in arrays:
            key = F.when(F.col(quote(field.name)).isNotNull(), F.col("__glue_wf_id"))
            root_columns.append(key.alias(field.name))
        else:
            root_columns.append(F.col(quote(field.name)))
    tables[name] = keyed.select(*root_columns)
    for array in arrays:
        child = keyed.select(
            F.col("__glue_wf_id").alias("id"),
            F.posexplode(F.col(quote(array))).alias("index", f"{array}.val"),
        )
        _relationalize(child, f"{name}_{array}", tables)


def split_rows_condition(df: Any, comparison_dict: Mapping[str, Mapping[str, Any]]) -> Any:
    """The Column that sends a row to the first frame of SplitRows."""
    from pyspark.sql import functions as F

    condition = F.lit(True)
    for path, comparisons in comparison_dict.items():
        parts = resolve(df.schema, split_path(path))
        if parts is None:
            raise GlueRuntimeError(f"split_rows: field {path!r} is not in the frame")
        if not isinstance(comparisons, Mapping):
            raise GlueRuntimeError(
                f"split_rows: {path!r} needs a dict of comparisons like {{'>': 10}}, "
                f"got {comparisons!r}"
            )
        col = column(parts)
        for op, value in comparisons.items():
            if op not in _COMPARATORS:
                raise GlueRuntimeError(
                    f"split_rows: unknown comparison {op!r} for {path!r}; use one of "
                    f"{', '.join(sorted(_COMPARATORS))}"
                )
            literal = F.lit(value)
            term = {
                "<": col < literal,
                ">": col > literal,
                "=": col == literal,
                "==": col == literal,
                "!=": col != literal,
                "<=": col <= literal,
                ">=": col >= literal,
            }[op]
            condition = condition & term
    return F.coalesce(condition, F.lit(False))


def drop_null_fields(df: Any) -> Any:
    """Drop fields that are null or missing in every record (nested struct leaves too)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import NullType

    leaves = _leaves(df.schema, [])
    if not leaves:
        return df
    counts = df.agg(*[F.count(column(path)).alias(f"c{i}") for i, path in enumerate(leaves)])
    row = counts.first()
    empty = [
        path
        for i, path in enumerate(leaves)
        if row is None or row[f"c{i}"] == 0 or _is_null_type(df.schema, path, NullType)
    ]
    empty_set = {tuple(path) for path in empty}
    drops: set[tuple[str, ...]] = set()
    for path in empty:
        # Drop the highest ancestor whose leaves are all empty (Spark cannot drop
        # every field of a struct one by one).
        top = tuple(path)
        for depth in range(1, len(path)):
            prefix = tuple(path[:depth])
            under = [leaf for leaf in leaves if tuple(leaf[:depth]) == prefix]
            if all(tuple(leaf) in empty_set for leaf in under):
                top = prefix
                break
        drops.add(top)
    return drop_paths(df, [".".join(quote(p) for p in path) for path in sorted(drops)])


def _is_null_type(schema: Any, path: list[str], null_type: type) -> bool:
    current = schema
    for part in path:
        current = next(f for f in current.fields if f.name == part).dataType
    return isinstance(current, null_type)

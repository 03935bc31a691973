"""ApplyMapping and ResolveChoice on DataFrames, with failed casts kept as errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awsglue._errors import GlueRuntimeError, UnsupportedFeatureError
from awsglue._nested import Tree, build_columns, column_sql, field_type, insert, resolve, split_path
from awsglue._types import quote, simple_type_name, spark_type

_MAPPING_HELP = (
    "each mapping is (source, target), (source, target, target_type) or "
    "(source, source_type, target, target_type)"
)


def _mapping(entry: Sequence[str]) -> tuple[str, str, str | None]:
    items = tuple(entry)
    if len(items) == 2:
        return items[0], items[1], None
    if len(items) == 3:
        return items[0], items[1], items[2]
    if len(items) == 4:
        return items[0], items[2], items[3]
    raise GlueRuntimeError(f"apply_mapping: bad mapping {entry!r}: {_MAPPING_HELP}")


class _Casts:
    """Collects casts and builds the lazy frame of records whose casts failed."""

    def __init__(self) -> None:
        self.failures: list[tuple[str, str]] = []  # (condition SQL, description)

    def cast(self, df: Any, parts: list[str], glue_type: str) -> Any:
        from pyspark.sql import functions as F

        source = column_sql(parts)
        current = field_type(df.schema, parts)
        kind = glue_type.strip().lower()
        if kind in ("array", "struct", "map"):  # Glue Studio's mappings of nested fields
            if current.typeName() == kind:
                return F.col(source)  # passed through as it is
            raise GlueRuntimeError(
                f"apply_mapping: {'.'.join(parts)} is {current.simpleString()}, not {kind}: "
                f"map it to a type such as string, or to {current.typeName()}"
            )
        target = spark_type(glue_type)
        if current.simpleString() == target:
            return F.col(source)
        cast_sql = f"try_cast({source} AS {target})"
        self.failures.append(
            (
                f"({source} IS NOT NULL AND {cast_sql} IS NULL)",
                f"{'.'.join(parts)} cannot be cast to {glue_type}",
            )
        )
        return F.expr(cast_sql)

    def errors(self, df: Any, ctx: str) -> Any:
        """A function building the error frame (None without casts): built only when
        errors are counted, so the data path pays nothing for it."""
        if not self.failures:
            return None
        failures = list(self.failures)
        return lambda: _error_frame(df, ctx, failures)


def _error_frame(df: Any, ctx: str, failures: list[tuple[str, str]]) -> Any:
    from pyspark.sql import functions as F

    any_failed = " OR ".join(condition for condition, _ in failures)
    message = F.concat_ws("; ", *[F.when(F.expr(cond), F.lit(text)) for cond, text in failures])
    return df.where(any_failed).select(
        F.lit(ctx).alias("transformation_ctx"),
        message.alias("error"),
        F.to_json(F.struct(*[F.col(quote(c)) for c in df.columns])).alias("record"),
    )


def apply_mapping(
    df: Any, mappings: Sequence[Sequence[str]], case_sensitive: bool, ctx: str
) -> tuple[Any, Any]:
    """Only the mapped fields, cast with null on failure; (frame, error records)."""
    if not mappings:
        raise GlueRuntimeError(f"apply_mapping needs at least one mapping: {_MAPPING_HELP}")
    casts = _Casts()
    tree: Tree = {}
    for entry in mappings:
        source, target, target_type = _mapping(entry)
        parts = resolve(df.schema, split_path(source), case_sensitive)
        if parts is None:
            _refuse_array_path(df.schema, source, case_sensitive)
            continue  # a field absent from every record yields no output field, as in Glue
        from pyspark.sql import functions as F

        value = (
            F.col(column_sql(parts)) if target_type is None else casts.cast(df, parts, target_type)
        )
        insert(tree, split_path(target), value, "apply_mapping")
    return df.select(*build_columns(tree)), casts.errors(df, ctx)


def _refuse_array_path(schema: Any, source: str, case_sensitive: bool) -> None:
    """A source path that steps into an array's elements is not absent: the local runtime
    cannot map it (it would drop the field without a word)."""
    from pyspark.sql.types import ArrayType

    steps = split_path(source)
    for end in range(1, len(steps)):
        parts = resolve(schema, steps[:end], case_sensitive)
        if parts is not None and isinstance(field_type(schema, parts), ArrayType):
            raise UnsupportedFeatureError(
                f"apply_mapping of {source!r} into the elements of array field "
                f"{'.'.join(steps[:end])!r}",
                "map the array field as a whole, or flatten it first (Relationalize, or "
                "toDF() and explode)",
            )


def resolve_choice(
    df: Any,
    specs: Sequence[tuple[str, str]] | None,
    choice: str,
    database: str | None,
    table_name: str | None,
    ctx: str,
) -> tuple[Any, Any]:
    """Apply ResolveChoice actions; frames here have no choice types, so a ``choice``
    other than ``match_catalog`` changes nothing."""
    if bool(specs) == bool(choice):
        raise GlueRuntimeError(
            "resolveChoice needs exactly one of specs=[(path, action), ...] or choice=... "
            f"(got specs={specs!r}, choice={choice!r})"
        )
    catalog_types: dict[str, str] = {}
    if choice == "match_catalog" or any(action == "match_catalog" for _, action in specs or []):
        if not database or not table_name:
            raise GlueRuntimeError("resolveChoice match_catalog needs database= and table_name=")
        from awsglue._catalog import get_table

        columns = get_table(database, table_name).get("columns") or []
        catalog_types = {str(c["Name"]).lower(): str(c["Type"]) for c in columns}
    casts = _Casts()
    if choice:
        _check_action(choice)
        if choice != "match_catalog":
            return df, None
        specs = [(name, "match_catalog") for name in df.columns]
    from pyspark.sql import functions as F

    replaced: dict[str, Any] = {}
    for path, action in specs or []:
        _check_action(action)
        parts = resolve(df.schema, split_path(path))
        if parts is None:
            continue
        if len(parts) != 1:
            raise UnsupportedFeatureError(
                f"resolveChoice on nested path {path!r}", "resolve a top-level field"
            )
        name = parts[0]
        kind, _, type_name = action.partition(":")
        if kind in ("cast", "project"):
            replaced[name] = casts.cast(df, parts, type_name).alias(name)
        elif kind == "match_catalog":
            if name.lower() in catalog_types:
                replaced[name] = casts.cast(df, parts, catalog_types[name.lower()]).alias(name)
        elif kind == "make_cols":
            type_label = simple_type_name(field_type(df.schema, parts))
            replaced[name] = F.col(quote(name)).alias(f"{name}_{type_label}")
        else:  # make_struct
            type_label = simple_type_name(field_type(df.schema, parts))
            replaced[name] = F.struct(F.col(quote(name)).alias(type_label)).alias(name)
    columns = [replaced.get(c, F.col(quote(c))) for c in df.columns]
    return df.select(*columns), casts.errors(df, ctx)


def _check_action(action: str) -> None:
    kind, _, type_name = action.partition(":")
    if kind in ("cast", "project") and type_name:
        spark_type(type_name)
        return
    if kind in ("make_cols", "make_struct", "match_catalog") and not type_name:
        return
    raise GlueRuntimeError(
        f"unknown resolveChoice action {action!r}: use cast:<type>, project:<type>, "
        "make_cols, make_struct or match_catalog"
    )

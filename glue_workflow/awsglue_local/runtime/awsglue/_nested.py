"""Dotted field paths (``a.b``, backticks for names holding dots) over Spark schemas."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from awsglue._errors import GlueRuntimeError
from awsglue._types import quote


def split_path(path: str) -> list[str]:
    """``a.b`` → [a, b]; ``\\`a.b\\`.c`` → [a.b, c]."""
    parts: list[str] = []
    current: list[str] = []
    in_ticks = False
    for char in path:
        if char == "`":
            in_ticks = not in_ticks
        elif char == "." and not in_ticks:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if in_ticks:
        raise GlueRuntimeError(f"unbalanced backtick in field path {path!r}")
    parts.append("".join(current))
    if any(part == "" for part in parts):
        raise GlueRuntimeError(f"empty segment in field path {path!r}")
    return parts


def column_sql(parts: Sequence[str]) -> str:
    return ".".join(quote(part) for part in parts)


def column(parts: Sequence[str]) -> Any:
    from pyspark.sql import functions as F

    return F.col(column_sql(parts))


def resolve(schema: Any, parts: Sequence[str], case_sensitive: bool = True) -> list[str] | None:
    """The actual field names along ``parts`` in ``schema``, or None when absent."""
    from pyspark.sql.types import StructType

    found: list[str] = []
    current = schema
    for part in parts:
        if not isinstance(current, StructType):
            return None
        match = next((f for f in current.fields if f.name == part), None)
        if match is None and not case_sensitive:
            match = next((f for f in current.fields if f.name.lower() == part.lower()), None)
        if match is None:
            return None
        found.append(match.name)
        current = match.dataType
    return found


def field_type(schema: Any, parts: Sequence[str]) -> Any:
    current = schema
    for part in parts:
        current = next(f for f in current.fields if f.name == part).dataType
    return current


Tree = dict[str, Any]  # name → Column (leaf) or Tree


def build_columns(tree: Tree) -> list[Any]:
    """Columns for a tree of target paths: inner nodes become structs."""
    from pyspark.sql import functions as F

    columns = []
    for name, node in tree.items():
        value = F.struct(*build_columns(node)) if isinstance(node, dict) else node
        columns.append(value.alias(name))
    return columns


def insert(tree: Tree, parts: Sequence[str], value: Any, where: str) -> None:
    node = tree
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise GlueRuntimeError(f"{where}: {'.'.join(parts)} is nested under a leaf field")
        node = child
    if parts[-1] in node:
        raise GlueRuntimeError(f"{where}: target field {'.'.join(parts)} is mapped twice")
    node[parts[-1]] = value


def select_paths(schema: Any, paths: Sequence[str]) -> list[Any]:
    """Columns keeping only ``paths`` (nested ones rebuild their parent structs)."""
    tree: Tree = {}
    for path in paths:
        parts = resolve(schema, split_path(path))
        if parts is None:
            continue  # Glue ignores paths absent from the frame
        node = tree
        for part in parts[:-1]:
            existing = node.get(part)
            if existing is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    return _tree_columns(schema, tree, [])


def _tree_columns(schema: Any, tree: dict[str, Any], prefix: list[str]) -> list[Any]:
    from pyspark.sql import functions as F

    columns = []
    for field in schema.fields:
        node = tree.get(field.name)
        if node is None:
            continue
        path = [*prefix, field.name]
        if node is True:
            columns.append(column(path).alias(field.name))
        else:
            inner = _tree_columns(field.dataType, node, path)
            columns.append(F.struct(*inner).alias(field.name))
    return columns


def drop_paths(df: Any, paths: Sequence[str]) -> Any:
    """``df`` without ``paths``; nested paths use ``Column.dropFields``."""
    top: list[str] = []
    for path in paths:
        parts = resolve(df.schema, split_path(path))
        if parts is None:
            continue
        if len(parts) == 1:
            top.append(parts[0])
        else:
            df = df.withColumn(parts[0], column(parts[:1]).dropFields(column_sql(parts[1:])))
    return df.drop(*top) if top else df


def rename_path(df: Any, old: str, new: str) -> Any:
    old_parts = resolve(df.schema, split_path(old))
    new_parts = split_path(new)
    if old_parts is None:
        return df  # Glue leaves the frame unchanged when the field is absent
    if len(old_parts) == 1 and len(new_parts) == 1:
        return df.withColumnRenamed(old_parts[0], new_parts[0])
    if old_parts[:-1] != new_parts[:-1]:
        raise GlueRuntimeError(
            f"rename_field({old!r}, {new!r}): moving a field to another parent struct is "
            "not supported by the local awsglue runtime; rename within the same struct"
        )
    parent = old_parts[:-1]
    moved = column(parent).withField(quote(new_parts[-1]), column(old_parts))
    moved = moved.dropFields(quote(old_parts[-1]))
    if len(parent) == 1:
        return df.withColumn(parent[0], moved)
    return df.withColumn(parent[0], column(parent[:1]).withField(column_sql(parent[1:]), moved))


# Spark's field for a value that fails to parse (a value's own "_corrupt_record" stays data).
_MALFORMED = "__glue_wf_malformed_record"


def unbox_json(df: Any, name: str, ctx: str) -> tuple[Any, Any]:
    """(``df`` with the JSON text in top-level string column ``name`` parsed into a
    struct, a function building an error record per record whose value is not JSON).
    Glue's unbox makes such a record an error record ("DynamicFrame class: unbox", AWS
    Glue Developer Guide); Spark would add its malformed-record field to the struct."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    from awsglue._records import error_schema

    kind = field_type(df.schema, [name])
    if not isinstance(kind, StringType):
        raise GlueRuntimeError(
            f"unbox: field {name!r} is {kind.simpleString()}, not a string: unbox parses "
            "JSON text; give the path of a string field (cast it first with ApplyMapping or "
            "resolveChoice)"
        )
    texts = df.select(F.col(quote(name))).where(F.col(quote(name)).isNotNull())
    options = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": _MALFORMED}
    inferred = df.sparkSession.read.options(**options).json(texts.rdd.map(lambda row: row[0]))
    if _MALFORMED not in inferred.columns:
        return df.withColumn(name, F.from_json(F.col(quote(name)), inferred.schema)), None
    fields = [f for f in inferred.schema.fields if f.name != _MALFORMED]
    parsed = F.from_json(
        F.col(quote(name)),
        StructType([*fields, StructField(_MALFORMED, StringType(), True)]),
        options,
    )
    failed = F.col(quote(name)).isNotNull() & parsed[_MALFORMED].isNotNull()
    data = df.where(~failed).withColumn(name, parsed.dropFields(_MALFORMED))

    def errors() -> Any:
        bad = df.where(failed).select(F.to_json(F.struct(*[F.col(quote(c)) for c in df.columns])))
        return bad.select(
            F.lit(ctx),
            F.lit(f"unbox: field {name!r} is not JSON"),
            *bad.columns,
        ).toDF(*error_schema().names)

    return data, errors

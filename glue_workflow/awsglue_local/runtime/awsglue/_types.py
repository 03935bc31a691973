"""Glue/Hive type names → Spark SQL types, and casts that yield null on failure."""

from __future__ import annotations

import re
from typing import Any

from awsglue._errors import GlueRuntimeError

_ALIASES = {
    "long": "bigint",
    "bigint": "bigint",
    "int": "int",
    "integer": "int",
    "short": "smallint",
    "smallint": "smallint",
    "byte": "tinyint",
    "tinyint": "tinyint",
    "string": "string",
    "varchar": "string",
    "char": "string",
    "double": "double",
    "float": "float",
    "real": "float",
    "boolean": "boolean",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_ntz": "timestamp_ntz",
    "binary": "binary",
    "decimal": "decimal(10,0)",
}
_DECIMAL = re.compile(r"decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)")
# Hive's varchar(n)/char(n): strings in Spark (its own char types pad and check lengths
# only in tables it writes)
_SIZED_TEXT = re.compile(r"(var)?char\s*\(\s*\d+\s*\)")


def spark_type(glue_type: str) -> str:
    """The Spark SQL type name for a Glue/Hive type name (case-insensitive)."""
    name = glue_type.strip().lower()
    if name in _ALIASES:
        return _ALIASES[name]
    if _SIZED_TEXT.fullmatch(name):
        return "string"
    match = _DECIMAL.fullmatch(name)
    if match:
        return f"decimal({match.group(1)},{match.group(2)})"
    if name.startswith(("array<", "struct<", "map<")):
        return name
    raise GlueRuntimeError(
        f"unknown type {glue_type!r}: use a Glue type such as string, long, int, double, "
        "float, boolean, date, timestamp, decimal(p,s)"
    )


def quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def try_cast(column_sql: str, glue_type: str) -> Any:
    """A Column casting ``column_sql`` (a SQL expression) with null on failure, as Glue."""
    from pyspark.sql import functions as F

    return F.expr(f"try_cast({column_sql} AS {spark_type(glue_type)})")


def simple_type_name(data_type: Any) -> str:
    """Glue-style short name of a Spark DataType (``long``, ``string``, ...)."""
    name = str(data_type.simpleString())
    return {"bigint": "long", "int": "int", "smallint": "short", "tinyint": "byte"}.get(name, name)

"""The local catalog table registry: ``<GLUE_WF_HOME>/catalog.json``.

Stands in for Data Catalog tables read by ``from_catalog``. Layout::

    {"databases": {"<db>": {"<table>": {"location": "s3://...", "format": "csv",
      "format_options": {...}, "columns": [{"Name": "a", "Type": "bigint"}],
      "partition_keys": ["dt"]}}}}

Register tables with ``register_table`` (or edit the file); unknown tables fail with
the file's path and how to register them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from awsglue._errors import GlueRuntimeError
from awsglue._paths import DEFAULT_HOME, HOME_ENV

CATALOG_FILE = "catalog.json"


def catalog_path() -> Path:
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).resolve() / CATALOG_FILE


def _load() -> dict[str, Any]:
    path = catalog_path()
    if not path.is_file():
        return {"databases": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise GlueRuntimeError(f"{path}: invalid JSON in the local catalog: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("databases"), dict):
        raise GlueRuntimeError(f'{path}: expected {{"databases": {{...}}}}')
    return data


def _save(data: Mapping[str, Any]) -> None:
    path = catalog_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".catalog-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, path)


def tables() -> dict[str, list[str]]:
    """The registered tables' names by database."""
    return {db: sorted(ts) for db, ts in sorted(_load()["databases"].items())}


def has_table(database: str, table_name: str) -> bool:
    return table_name in _load()["databases"].get(database, {})


def get_table(database: str, table_name: str) -> dict[str, Any]:
    """The registered table, or GlueRuntimeError naming the registry and the fix."""
    databases = _load()["databases"]
    tables = databases.get(database)
    if tables is None or table_name not in tables:
        known = sorted(f"{db}.{t}" for db, ts in databases.items() for t in ts)
        raise GlueRuntimeError(
            f"table {database}.{table_name} is not in the local catalog {catalog_path()} "
            f"(known: {', '.join(known) or 'none'}); register it with "
            "awsglue._catalog.register_table(database, table, location=..., format=...)"
        )
    entry = dict(tables[table_name])
    if not isinstance(entry.get("location"), str) or not isinstance(entry.get("format"), str):
        raise GlueRuntimeError(
            f"{catalog_path()}: table {database}.{table_name} needs string 'location' and 'format'"
        )
    return entry


def register_table(
    database: str,
    table_name: str,
    *,
    location: str,
    format: str,
    format_options: Mapping[str, Any] | None = None,
    columns: Sequence[Mapping[str, str]] | None = None,
    partition_keys: Sequence[str] = (),
) -> None:
    data = _load()
    data["databases"].setdefault(database, {})[table_name] = {
        "location": location,
        "format": format,
        "format_options": dict(format_options or {}),
        "columns": [dict(c) for c in columns or []],
        "partition_keys": list(partition_keys),
    }
    _save(data)


def update_columns(
    database: str,
    table_name: str,
    columns: Sequence[Mapping[str, str]],
    partition_keys: Sequence[str] = (),
) -> None:
    """A sink's enableUpdateCatalog: the written columns (partition keys apart) and keys."""
    data = _load()
    get_table(database, table_name)
    table = data["databases"][database][table_name]
    table["columns"] = [dict(c) for c in columns if c["Name"] not in partition_keys]
    if partition_keys:
        table["partition_keys"] = list(partition_keys)
    _save(data)

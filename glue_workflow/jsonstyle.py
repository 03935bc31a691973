"""The ``--json`` style of every command and the console's API (docs/json.md):
PascalCase keys, ISO 8601 times in UTC with milliseconds."""

from __future__ import annotations

from typing import Any


def pascal_keys(value: Any) -> Any:
    """``value`` with the keys of its mappings (nested too) in the ``--json`` key style:
    ``run_id`` -> ``RunId``."""
    if isinstance(value, dict):
        return {
            "".join(part[:1].upper() + part[1:] for part in str(k).split("_")): pascal_keys(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [pascal_keys(v) for v in value]
    return value


def iso_time(epoch: float) -> str:
    """An epoch time in the ``--json`` style: ISO 8601, UTC, milliseconds."""
    import datetime as dt

    return dt.datetime.fromtimestamp(float(epoch), dt.UTC).isoformat(timespec="milliseconds")

"""Options and output helpers shared by every command module."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from glue_workflow.config import TARGETS, Settings

F = TypeVar("F", bound=Callable[..., Any])


def with_settings(func: F) -> F:
    """Add ``--target`` and ``--project``; pass the resolved ``settings`` keyword."""

    @click.option(
        "--target",
        type=click.Choice(TARGETS),
        default=None,
        help="Where to act: local (default, no AWS account) or aws. Env: GLUE_WF_TARGET.",
    )
    @click.option(
        "--project",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project directory holding glue-wf.toml (default: nearest one above cwd).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, target: str | None, project: Path | None, **kwargs: Any) -> Any:
        from glue_workflow.config import load_settings

        kwargs["settings"] = load_settings(project, target=target)
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def json_option(func: F) -> F:
    """Add ``--json`` (machine-readable output on stdout)."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON.")(func)


def echo_json(data: Any) -> None:
    """Print JSON deterministically (datetimes as ISO 8601)."""
    click.echo(json.dumps(data, indent=2, sort_keys=True, default=_json_default))


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


__all__ = ["Settings", "echo_json", "json_option", "with_settings"]

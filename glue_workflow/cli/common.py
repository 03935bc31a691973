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
    @click.option("--region", default=None, help="AWS region (over AWS_REGION and glue-wf.toml).")
    @click.option(
        "--profile", default=None, help="AWS named profile, --target aws (over AWS_PROFILE)."
    )
    @click.option(
        "--endpoint-url",
        default=None,
        metavar="URL",
        help="Send AWS requests to URL, --target aws (over AWS_ENDPOINT_URL).",
    )
    @functools.wraps(func)
    def wrapper(
        *args: Any,
        target: str | None,
        project: Path | None,
        region: str | None,
        profile: str | None,
        endpoint_url: str | None,
        **kwargs: Any,
    ) -> Any:
        import os

        from glue_workflow.config import load_settings

        # The options win over the environment, which wins over glue-wf.toml.
        given = {"AWS_REGION": region, "AWS_PROFILE": profile, "AWS_ENDPOINT_URL": endpoint_url}
        env = {**os.environ, **{k: v for k, v in given.items() if v}}
        settings = load_settings(project, target=target, env=env)
        if settings.is_local and (profile or endpoint_url):
            option = "--profile" if profile else "--endpoint-url"
            raise click.UsageError(
                f"{option} applies to --target aws only: the local target never reaches AWS"
            )
        kwargs["settings"] = settings
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

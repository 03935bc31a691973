"""``glue-wf sample-data``: write seeded churn-schema sample data to a file or S3."""

from __future__ import annotations

from typing import Any

import click

from glue_workflow.cli.common import with_settings


@click.command("sample-data")
@click.option(
    "--rows",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Number of data rows (plus a header).",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed: the same seed and rows give the same bytes.",
)
@click.option(
    "--out",
    default=None,
    metavar="PATH|s3://BUCKET/KEY",
    help="Where to write the CSV (default: s3://<bucket>/data/churn.csv, the "
    "workflow's default input_uri, on the chosen target).",
)
@with_settings
def sample_data(rows: int, seed: int, out: str | None, settings: Any) -> None:
    """Generate churn-schema CSV with a learnable signal (target column Churn)."""
    from pathlib import Path

    from glue_workflow import sample_data as generator

    destination = out or f"s3://{settings.bucket}/data/churn.csv"
    if not destination.startswith("s3://"):
        path = generator.to_file(Path(destination), rows, seed)
        click.echo(f"wrote {rows} rows to {path}")
        return
    generator.to_s3(settings, destination, rows, seed)
    click.echo(f"wrote {rows} rows to {destination} ({settings.target} target)")


COMMANDS = [sample_data]

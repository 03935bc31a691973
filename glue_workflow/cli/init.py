"""``glue-wf init``: scaffold a new project."""

from __future__ import annotations

import shlex
from pathlib import Path

import click


@click.command("init")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option(
    "--template",
    type=click.Choice(["ml", "minimal"]),
    default="ml",
    show_default=True,
    help="ml: preprocess / train / evaluate / gate / register / deploy / reject; "
    "minimal: two Python shell jobs and a failure branch.",
)
@click.option("--name", default=None, help="Workflow name (default: from DIRECTORY).")
@click.option(
    "--no-local-data",
    is_flag=True,
    help="ml: do not put the sample data into the new project's local S3.",
)
def init_command(directory: Path, template: str, name: str | None, no_local_data: bool) -> None:
    """Create a glue-wf project in DIRECTORY (new or empty), ready to deploy and run.

    Writes glue-wf.toml, the workflow in triggers/, the job scripts in jobs/ and a
    tests/ folder that plain pytest runs; the ml template adds a dataset config and
    sample data (also put into the project's local S3 for the first run).
    """
    from glue_workflow.scaffold import init_project, seed_local_data

    made = init_project(directory, template, name=name)
    click.echo(f"created {template} project {made.workflow!r} in {directory}:")
    for rel in made.files:
        click.echo(f"  {rel}")
    if made.sample_data and not no_local_data:
        uri = seed_local_data(directory, made.sample_data)
        click.echo(f"sample data: {made.sample_data} -> {uri} (local target)")
    click.echo(
        f"next: cd {shlex.quote(str(directory))} && glue-wf validate && glue-wf deploy && "
        "glue-wf run --wait   (tests: pytest)"
    )


COMMANDS = [init_command]

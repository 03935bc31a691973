"""Pipeline data and outcome: ``glue-wf sample-data``, ``upload-data``, ``pipeline-report``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings

DEFAULT_INPUT_KEY = "data/churn.csv"  # without a definition that sets input_uri
INPUT_PROPERTY = "input_uri"


def default_input(settings: Any) -> str:
    """The definition's default run property ``input_uri`` with its placeholders filled
    for the target (the bucket from the stack on AWS); s3://<bucket>/data/churn.csv
    when the definition sets none (or there is no definition to load)."""
    from glue_workflow.aws.target import BUCKET_ONLY
    from glue_workflow.compiler import fill_placeholders
    from glue_workflow.definition import load_workflow
    from glue_workflow.infra.outputs import resolve_target

    target = resolve_target(settings, needs=BUCKET_ONLY)
    if not Path(settings.definition).is_file():  # no project definition: the demo's location
        return target.s3_uri(DEFAULT_INPUT_KEY)
    workflow = load_workflow(settings)  # a broken definition says so rather than guess
    value = workflow.default_run_properties.get(INPUT_PROPERTY)
    if not value:
        return target.s3_uri(DEFAULT_INPUT_KEY)
    uri = fill_placeholders(
        value, bucket=target.require_bucket(), region=target.region, workflow=workflow.name
    )
    if not uri.startswith("s3://"):
        raise click.UsageError(
            f"the workflow's default {INPUT_PROPERTY} is {uri!r}, not an s3:// URI: pass --to "
            "s3://BUCKET/KEY"
        )
    return uri


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
    help="Where to write the CSV (default: the workflow's default input_uri on the chosen "
    "target; s3://<bucket>/data/churn.csv when it sets none).",
)
@with_settings
def sample_data(rows: int, seed: int, out: str | None, settings: Any) -> None:
    """Generate churn-schema CSV with a learnable signal (target column Churn)."""
    from glue_workflow.demo import sample_data as generator

    destination = out or default_input(settings)
    if not destination.startswith("s3://"):
        path = generator.to_file(Path(destination), rows, seed)
        click.echo(f"wrote {rows} rows to {path}")
        return
    generator.to_s3(settings, destination, rows, seed)
    click.echo(f"wrote {rows} rows to {destination} ({settings.target} target)")


@click.command("upload-data")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--to",
    "uri",
    default=None,
    metavar="s3://BUCKET/KEY",
    help="Destination (default: the workflow's default input_uri; "
    "s3://<bucket>/data/churn.csv when it sets none). A prefix ending in '/' takes the "
    "file under its own name, or a directory's files under their relative paths.",
)
@click.option(
    "--replace",
    is_flag=True,
    help="With a prefix: delete the objects under it that this upload did not write "
    "(an earlier export's files, which a run reading the prefix would read too).",
)
@with_settings
def upload_data(path: Path, uri: str | None, replace: bool, settings: Any) -> None:
    """Copy a local CSV, or a directory of them, to the target's S3 (on the local
    target: its local S3).

    Then run on it with: glue-wf run -p input_uri=<the URI> --wait
    """
    from glue_workflow.demo.sample_data import upload

    destination = uri or default_input(settings)
    if replace and not destination.endswith("/"):
        raise click.BadParameter(
            "--replace empties a prefix of what this upload did not write: pass --to "
            "s3://BUCKET/PREFIX/ (ending in '/')",
            param_hint="--replace",
        )
    written = _upload(settings, path, destination, uri is None, upload)
    if destination.endswith("/"):
        _other_objects(settings, destination, written, replace)


def _upload(settings: Any, path: Path, destination: str, default: bool, upload: Any) -> set[str]:
    """Copy ``path`` (a file or a directory's files) to ``destination``; the URIs written."""

    if path.is_dir():
        if not destination.endswith("/"):
            raise click.BadParameter(
                f"{path} is a directory: pass a prefix ending in '/' (e.g. --to "
                f"{destination.rsplit('/', 1)[0]}/{path.name}/), and run with -p "
                "input_uri=<that prefix>: the ETL reads every CSV under it",
                param_hint="--to",
            )
        files = [
            f
            for f in sorted(path.rglob("*"))
            if f.is_file() and not any(p.startswith((".", "_")) for p in f.relative_to(path).parts)
        ]
        if not files:
            raise click.BadParameter(f"{path} holds no file to upload", param_hint="PATH")
        written = {destination + file.relative_to(path).as_posix() for file in files}
        for file in files:
            upload(settings, file, destination + file.relative_to(path).as_posix(), option="--to")
        click.echo(
            f"uploaded {len(files)} files of {path} to {destination} ({settings.target} target)"
        )
        return written
    if destination.endswith("/"):
        destination += path.name
    upload(settings, path, destination, option="--to")
    click.echo(f"uploaded {path} to {destination} ({settings.target} target)")
    if default and destination.rsplit("/", 1)[-1] != path.name:
        # the default input is one object: a second file replaces the first
        click.echo(
            f"  as the workflow's default input_uri (replacing any object there), not under "
            f"its own name: to keep both, pass --to {destination.rsplit('/', 1)[0]}/ and run "
            f"with -p input_uri={destination.rsplit('/', 1)[0]}/{path.name}"
        )
    return {destination}


def _other_objects(settings: Any, prefix: str, written: set[str], replace: bool) -> None:
    """Say (or, ``replace``, delete) what else lies under ``prefix``: a run reading the
    prefix reads every file there, an earlier export's as well."""
    from glue_workflow.demo.sample_data import delete_objects, others_under

    others = others_under(settings, prefix, written)
    if not others:
        return
    if replace:
        delete_objects(settings, others)
        click.echo(f"deleted {len(others)} other object(s) under {prefix} (--replace)")
        return
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    click.echo(
        f"note: {prefix} also holds {len(others)} object(s) this upload did not write "
        f"({shown}); a run reading the prefix reads them too: rerun with --replace to "
        "delete them",
        err=True,
    )


@click.command("pipeline-report")
@click.argument("run_id", required=False)
@click.option("--workflow", default=None, help="Workflow name (default: the definition's).")
@click.option(
    "--invoke/--no-invoke",
    default=True,
    show_default=True,
    help="Invoke the deployed endpoint with rows of the run's test split.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=None,
    help="Also write a self-contained HTML report (charts inline) to this file.",
)
@json_option
@with_settings
def pipeline_report(
    *,
    run_id: str | None,
    workflow: str | None,
    invoke: bool,
    html_file: Path | None,
    as_json: bool,
    settings: Any,
) -> None:
    """Show a pipeline run's metrics, evaluation, gate decision, model version and endpoint.

    RUN_ID defaults to the workflow's latest run.
    """
    from glue_workflow.aws.clients import client
    from glue_workflow.demo.pipeline_report import build_report
    from glue_workflow.demo.report_evaluation import evaluation_lines, html_report
    from glue_workflow.model_quality import run_evaluation

    if workflow is None:
        from glue_workflow.definition import load_workflow

        workflow = load_workflow(settings).name
    report = build_report(settings, workflow, run_id, invoke=invoke)
    evaluation = run_evaluation(client(settings, "s3"), report.properties)
    if html_file is not None:
        html_file.write_text(html_report(report, evaluation), encoding="utf-8")
    if as_json:
        echo_json({**report.to_dict(), "Evaluation": evaluation.to_dict()})
    else:
        for line in [*report.lines(), *evaluation_lines(evaluation)]:
            click.echo(line)
    if html_file is not None and not as_json:
        click.echo(f"html:     {html_file}")


COMMANDS = [sample_data, upload_data, pipeline_report]

"""``glue-wf job``: run one Glue job script locally with the argv Glue would pass."""

from __future__ import annotations

from typing import Any

import click

from glue_workflow.cli.common import with_settings


def _parse_args(values: tuple[str, ...], option: str = "--arg") -> dict[str, str]:
    parsed: dict[str, str] = {}
    for item in values:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.lstrip("-"):
            raise click.BadParameter(
                f"{item!r} is not KEY=VALUE (e.g. {option} input_uri=s3://bucket/data.csv)",
                param_hint=option,
            )
        parsed[key if key.startswith("--") else f"--{key}"] = value
    return parsed


def refuse_secrets(arguments: dict[str, str], properties: dict[str, str]) -> None:
    """The definition's rules for secrets, for what the command line adds: run
    properties (as ``run -p``) and job arguments (a process's command line is readable
    by every user of the machine, and Glue logs arguments)."""
    from glue_workflow.model.secrets import argument_secret
    from glue_workflow.runs.control import check_properties, refuse_reserved

    check_properties(properties)
    refuse_reserved(properties)
    for key, value in arguments.items():
        secret = argument_secret(key, value)
        if secret is not None:
            raise click.BadParameter(f"job argument {key!r} {secret[1]}", param_hint="--arg")


@click.command("job")
@click.argument("script_or_job")
@click.option(
    "--arg",
    "arg_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="A job argument (repeatable); overrides the job's default arguments.",
)
@click.option(
    "-p",
    "--property",
    "property_values",
    multiple=True,
    metavar="KEY=VALUE",
    help="A run property the job sees (repeatable); over --from-run's and the defaults.",
)
@click.option(
    "--from-run",
    default=None,
    metavar="RUN_ID",
    help="Start from the run properties of an earlier run (an id, a prefix, or 'latest').",
)
@click.option(
    "--workflow-run-id",
    default=None,
    help="Pass --WORKFLOW_NAME/--WORKFLOW_RUN_ID, as in a workflow run.",
)
@click.option(
    "--workflow-name",
    default=None,
    help="Workflow name for --workflow-run-id (default: the defined workflow).",
)
@click.option(
    "--job-name", default=None, help="--JOB_NAME for a script (default: the script's file name)."
)
@click.option(
    "--pythonshell", is_flag=True, help="Run a script as a Python shell job (no --JOB_RUN_ID)."
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Do the job's work even if the step cache holds its result (it runs in a workflow "
    "run of its own, as with -p).",
)
@with_settings
def job(
    *,
    script_or_job: str,
    arg_values: tuple[str, ...],
    property_values: tuple[str, ...],
    from_run: str | None,
    workflow_run_id: str | None,
    workflow_name: str | None,
    job_name: str | None,
    pythonshell: bool,
    no_cache: bool,
    settings: Any,
) -> None:
    """Run SCRIPT_OR_JOB (a script path or a defined job's name) locally; exit with its code.

    A defined job runs its script with its DefaultArguments (its artifacts are staged
    into the local S3 first); --arg values override them. The job sees the local
    target: boto3 clients, s3:// paths and the awsglue runtime all resolve locally.

    With -p or --from-run the job runs in a workflow run of its own holding those run
    properties (over the workflow's defaults); what it writes is printed at the end.
    """
    from glue_workflow.cli.local_job import run_local_job

    properties = {k.lstrip("-"): v for k, v in _parse_args(property_values, "-p").items()}
    refuse_secrets(_parse_args(arg_values), properties)
    if (properties or from_run or no_cache) and workflow_run_id:
        raise click.UsageError("use -p/--from-run/--no-cache or --workflow-run-id, not both")
    if not (properties or from_run or no_cache or workflow_run_id) and _reads_defaults(
        settings, script_or_job
    ):
        # a defined node that reads run properties gets the workflow's defaults, as in a
        # run (it failed for "no input" with the default input_uri right there); doing
        # its work, as a job started by hand is meant to
        from glue_workflow.jobkit.cache import NO_CACHE_PROPERTY

        properties, no_cache = {NO_CACHE_PROPERTY: "true"}, False
    if properties or from_run or no_cache:
        from glue_workflow.cli.job_session import run_with_properties
        from glue_workflow.jobkit.cache import NO_CACHE_PROPERTY

        code = run_with_properties(
            settings,
            script_or_job,
            _parse_args(arg_values),
            {**properties, NO_CACHE_PROPERTY: "true"} if no_cache else properties,
            from_run=from_run,
            job_name=job_name,
            pythonshell=pythonshell,
        )
        raise SystemExit(code)
    code = run_local_job(
        settings,
        script_or_job,
        _parse_args(arg_values),
        workflow_run_id=workflow_run_id,
        workflow_name=workflow_name,
        job_name=job_name,
        pythonshell=pythonshell,
    )
    # SystemExit passes through click (its Exit would be swallowed in non-standalone mode).
    raise SystemExit(code)


def _reads_defaults(settings: Any, script_or_job: str) -> bool:
    """Whether ``script_or_job`` names a defined node that reads run properties of a
    workflow with default run properties (a script path never does)."""
    import json
    from pathlib import Path

    from glue_workflow.compiler import CONTRACT_ARGUMENT
    from glue_workflow.definition import build_document
    from glue_workflow.errors import GlueWfError

    if Path(script_or_job).suffix == ".py" or not settings.is_local:
        return False
    try:
        document = build_document(settings)
    except GlueWfError:
        return False  # run_local_job names the definition's problem
    if not document.workflow.get("DefaultRunProperties"):
        return False
    for request in document.jobs:
        if request["Name"] in (script_or_job, f"{document.name}-{script_or_job}"):
            contract = (request.get("DefaultArguments") or {}).get(CONTRACT_ARGUMENT)
            return bool(contract and json.loads(contract).get("reads"))
    return False


COMMANDS = [job]

"""``glue-wf models | approve | endpoints | invoke | delete-endpoint``: registry, endpoints.

Thin adapters over ``glue_workflow.services`` (the console's Models pages use the same
calls); every call goes through boto3 (``glue_workflow.aws.clients``), so it works the
same on ``--target local`` and ``--target aws``.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings
from glue_workflow.cli.stages import stage_lines, stages_json
from glue_workflow.jsonstyle import pascal_keys


def _registry(settings: Any) -> Any:
    from glue_workflow.aws.clients import client
    from glue_workflow.services.registry import Registry

    return Registry(client(settings, "sagemaker"))


def _endpoints(settings: Any) -> Any:
    from glue_workflow.aws.clients import client
    from glue_workflow.services.endpoints import Endpoints, local_urls

    return Endpoints(
        client(settings, "sagemaker"),
        client(settings, "sagemaker-runtime"),
        url_of=local_urls(settings),
        poll_seconds=0.05 if settings.is_local else 5.0,
    )


@click.command("models")
@with_settings
@json_option
def models_command(settings: Any, as_json: bool) -> None:
    """List Model Registry groups and their model package versions, with lineage.

    Each version names the workflow run, training job, input data and data-quality
    report that produced it and the endpoints serving it (``--json``: ``Lineage``), and
    the stages it was promoted to or approved for (``--json``: ``Stages``).
    """
    from glue_workflow.lineage import package_lineage, serving_endpoints
    from glue_workflow.services.sagemaker_calls import call
    from glue_workflow.stages.records import package_stages

    registry = _registry(settings)
    groups = registry.groups()
    serving = call(serving_endpoints, sm=registry.sagemaker) if groups else {}
    result = []
    for group in groups:
        packages = []
        for version in group.versions:
            package = dict(version.summary)
            package["lineage"] = package_lineage(registry.describe(version.arn), serving)
            package["Stages"] = stages_json(
                call(
                    package_stages,
                    sm=registry.sagemaker,
                    package_arn=version.arn,
                    serving=package["lineage"]["endpoints"],
                )
            )
            packages.append(package)
        result.append(
            {
                "ModelPackageGroupName": group.name,
                "ModelPackageGroupArn": group.arn,
                "ModelPackageSummaryList": packages,
            }
        )
    if as_json:
        for entry in result:
            for package in entry["ModelPackageSummaryList"]:
                package["Lineage"] = pascal_keys(package.pop("lineage"))
        echo_json(result)
        return
    if not result:
        click.echo("no model package groups")
        return
    for entry in result:
        packages = entry["ModelPackageSummaryList"]
        click.echo(f"{entry['ModelPackageGroupName']}  ({len(packages)} version(s))")
        for package in packages:
            created = package["CreationTime"].strftime("%Y-%m-%d %H:%M:%S")
            click.echo(
                f"  v{package.get('ModelPackageVersion', '?'):<4} "
                f"{package.get('ModelApprovalStatus', ''):<22} {created}  "
                f"{package['ModelPackageArn']}"
            )
            lineage = package["lineage"]
            if lineage.get("run_id"):
                click.echo(f"        from run {lineage['run_id']} of {lineage['workflow']}")
            for served in lineage["endpoints"]:
                click.echo(f"        served by {served['endpoint']} ({served['status']})")
            for line in stage_lines(package["Stages"]):
                click.echo(f"        {line}")


@click.command("approve")
@click.argument("package")
@click.option("--reject", is_flag=True, help="Set Rejected instead of Approved.")
@click.option("--description", default=None, help="ApprovalDescription (≤ 1024 characters).")
@click.option(
    "--stage",
    default=None,
    metavar="STAGE",
    help="Record (with --reject: revoke) the manual approval to promote to STAGE instead.",
)
@with_settings
def approve_command(
    settings: Any, package: str, reject: bool, description: str | None, stage: str | None
) -> None:
    """Approve (or --reject) a model package: its ARN, or GROUP/VERSION.

    With --stage STAGE, record instead the manual approval that 'glue-wf promote
    --to STAGE' requires where the stage has approval_required (docs/stages.md).
    """
    registry = _registry(settings)
    if stage is not None:
        from glue_workflow.cli.stages import approve_stage

        approve_stage(settings, registry.sagemaker, package, stage, revoke=reject)
        return
    arn = registry.resolve(package)
    change = registry.set_approval(arn, "Rejected" if reject else "Approved", description)
    click.echo(f"{change.arn}: {change.approval}")


@click.command("endpoints")
@with_settings
@json_option
def endpoints_command(settings: Any, as_json: bool) -> None:
    """List SageMaker endpoints (with their local URLs on the local target)."""
    rows = [
        {
            "EndpointName": e.name,
            "EndpointStatus": e.status,
            "EndpointConfigName": e.config,
            "EndpointArn": e.arn,
            "Url": e.url,
            "FailureReason": e.failure_reason,
            "LastModifiedTime": e.last_modified,
        }
        for e in _endpoints(settings).describe_all()
    ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no endpoints")
        return
    for row in rows:
        where = f"  {row['Url']}" if row["Url"] else ""
        click.echo(
            f"{row['EndpointName']:<30} {row['EndpointStatus']:<12} "
            f"{row['EndpointConfigName']}{where}"
        )
        if row["FailureReason"]:
            click.echo(f"  reason: {row['FailureReason']}")


@click.command("invoke")
@click.argument("endpoint")
@click.option(
    "--content-type",
    type=click.Choice(["text/csv"]),
    default="text/csv",
    show_default=True,
    help="Request type: the XGBoost container reads CSV rows (a JSON body gets 415).",
)
@click.option(
    "--accept",
    type=click.Choice(["text/csv", "application/json"]),
    default=None,
    help="Response type (default: the server's, text/csv).",
)
@click.option(
    "--body",
    "body_path",
    default="-",
    show_default=True,
    help="File holding the request body, or - for stdin.",
)
@click.option(
    "--raw",
    is_flag=True,
    help="The body is rows of the training input (a header, its delimiter and decimal "
    "separator): encode them as the model the endpoint serves reads them (its feature "
    "manifest), then send them as text/csv.",
)
@with_settings
def invoke_command(
    *,
    settings: Any,
    endpoint: str,
    content_type: str,
    accept: str | None,
    body_path: str,
    raw: bool,
) -> None:
    """Send one request to an endpoint and print the response body."""
    from pathlib import Path

    from glue_workflow.errors import ConfigError

    if body_path == "-":
        body = sys.stdin.buffer.read()
    else:
        path = Path(body_path)
        if not path.is_file():
            raise ConfigError(f"invoke: --body {body_path!r} is not a file")
        body = path.read_bytes()
    if not body.strip():
        raise ConfigError("invoke: the request body is empty (pass --body FILE or pipe rows)")
    endpoints = _endpoints(settings)
    if raw:
        from glue_workflow.aws.clients import client
        from glue_workflow.services import raw_rows

        if content_type != "text/csv":
            raise ConfigError("invoke: --raw sends text/csv rows; drop --content-type")
        manifest = raw_rows.served_manifest(endpoints.sagemaker, client(settings, "s3"), endpoint)
        encoded = raw_rows.encode(manifest, raw_rows.decode(manifest, body))
        for line in encoded.warnings():
            click.echo(line, err=True)
        body = encoded.body.encode()
    answer = endpoints.invoke(endpoint, body, content_type=content_type, accept=accept)
    click.echo(answer.body.decode("utf-8", "replace"))


@click.command("delete-endpoint")
@click.argument("name")
@click.option(
    "--keep-config",
    is_flag=True,
    help="Delete only the endpoint; keep its endpoint config and models.",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_settings
def delete_endpoint_command(settings: Any, name: str, keep_config: bool, yes: bool) -> None:
    """Delete an endpoint (stopping its server), then its config and models."""
    endpoints = _endpoints(settings)
    plan = endpoints.plan_delete(name, keep_config=keep_config)
    if not yes:
        click.confirm(f"Delete {plan.describe()}?", abort=True)
    for line in endpoints.delete(plan):
        click.echo(line)


COMMANDS = [
    models_command,
    approve_command,
    endpoints_command,
    invoke_command,
    delete_endpoint_command,
]

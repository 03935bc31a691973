"""``glue-wf models | approve | endpoints | invoke | delete-endpoint``: registry, endpoints.

Every command goes through boto3 (``glue_workflow.aws.clients``), so it works the same on
``--target local`` and ``--target aws``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings
from glue_workflow.cli.stages import stage_lines, stages_json


def _call(func: Callable[..., Any], *, hint: str = "", **kwargs: Any) -> Any:
    """Call a boto3 operation; AWS errors become glue-wf errors (message, exit 1).

    ``hint`` is appended to not-found errors: where to look for the right name.
    """
    from botocore.exceptions import BotoCoreError, ClientError

    from glue_workflow.errors import GlueWfError, NotFoundError
    from glue_workflow.jobkit.aws_errors import is_not_found

    try:
        return func(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = f"{error.get('Code')}: {error.get('Message')}"
        if is_not_found(exc):
            raise NotFoundError(f"{message.rstrip('.')}; {hint}" if hint else message) from None
        raise GlueWfError(message) from None
    except BotoCoreError as exc:
        raise GlueWfError(str(exc)) from None


def _paged(sm: Any, method: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    from glue_workflow.aws.paginate import items
    from glue_workflow.errors import GlueWfError

    return items(sm, method, key, base=GlueWfError, hint="see 'glue-wf models'", **kwargs)


@click.command("models")
@with_settings
@json_option
def models_command(settings: Any, as_json: bool) -> None:
    """List Model Registry groups and their model package versions, with lineage.

    Each version names the workflow run, training job, input data and data-quality
    report that produced it and the endpoints serving it (``--json``: ``lineage``), and
    the stages it was promoted to or approved for (``--json``: ``Stages``).
    """
    from glue_workflow.aws.clients import client
    from glue_workflow.lineage import package_lineage, serving_endpoints
    from glue_workflow.stages.records import package_stages

    sm = client(settings, "sagemaker")
    groups = _paged(
        sm,
        "list_model_package_groups",
        "ModelPackageGroupSummaryList",
        SortBy="Name",
        SortOrder="Ascending",
        MaxResults=100,
    )
    result = []
    serving = _call(serving_endpoints, sm=sm) if groups else {}
    for group in groups:
        packages = _paged(
            sm,
            "list_model_packages",
            "ModelPackageSummaryList",
            ModelPackageGroupName=group["ModelPackageGroupName"],
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=100,
        )
        for package in packages:
            described = _call(
                sm.describe_model_package,
                hint="see 'glue-wf models'",
                ModelPackageName=package["ModelPackageArn"],
            )
            package["lineage"] = package_lineage(described, serving)
            package["Stages"] = stages_json(
                _call(
                    package_stages,
                    sm=sm,
                    package_arn=package["ModelPackageArn"],
                    serving=package["lineage"]["endpoints"],
                )
            )
        result.append(
            {
                "ModelPackageGroupName": group["ModelPackageGroupName"],
                "ModelPackageGroupArn": group["ModelPackageGroupArn"],
                "ModelPackageSummaryList": packages,
            }
        )
    if as_json:
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
    from glue_workflow.aws.clients import client
    from glue_workflow.errors import ConfigError
    from glue_workflow.stages.packages import resolve_package_arn

    sm = client(settings, "sagemaker")
    if stage is not None:
        from glue_workflow.cli.stages import approve_stage

        approve_stage(settings, sm, package, stage, revoke=reject)
        return
    package_arn = _call(
        resolve_package_arn, hint="see 'glue-wf models'", sm=sm, package=package, command="approve"
    )
    if description is not None and len(description) > 1024:
        raise ConfigError("approve: --description is limited to 1024 characters")
    status = "Rejected" if reject else "Approved"
    kwargs: dict[str, Any] = {"ModelPackageArn": package_arn, "ModelApprovalStatus": status}
    if description is not None:
        kwargs["ApprovalDescription"] = description
    _call(sm.update_model_package, hint="list the packages with 'glue-wf models'", **kwargs)
    click.echo(f"{package_arn}: {status}")


@click.command("endpoints")
@with_settings
@json_option
def endpoints_command(settings: Any, as_json: bool) -> None:
    """List SageMaker endpoints (with their local URLs on the local target)."""
    from glue_workflow.aws.clients import client

    sm = client(settings, "sagemaker")
    rows = []
    for summary in _paged(
        sm, "list_endpoints", "Endpoints", SortBy="Name", SortOrder="Ascending", MaxResults=100
    ):
        detail = _call(sm.describe_endpoint, EndpointName=summary["EndpointName"])
        url = None
        if settings.is_local:
            from glue_workflow.local.sagemaker.endpoints import endpoint_url

            url = endpoint_url(settings.home, summary["EndpointName"])
        rows.append(
            {
                "EndpointName": detail["EndpointName"],
                "EndpointStatus": detail["EndpointStatus"],
                "EndpointConfigName": detail.get("EndpointConfigName"),
                "EndpointArn": detail["EndpointArn"],
                "Url": url,
                "FailureReason": detail.get("FailureReason"),
                "LastModifiedTime": detail.get("LastModifiedTime"),
            }
        )
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
    type=click.Choice(["text/csv", "application/json"]),
    default="text/csv",
    show_default=True,
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
@with_settings
def invoke_command(
    settings: Any, endpoint: str, content_type: str, accept: str | None, body_path: str
) -> None:
    """Send one request to an endpoint and print the response body."""
    from pathlib import Path

    from glue_workflow.aws.clients import client
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
    runtime = client(settings, "sagemaker-runtime")
    kwargs: dict[str, Any] = {"EndpointName": endpoint, "ContentType": content_type, "Body": body}
    if accept:
        kwargs["Accept"] = accept
    response = _call(
        runtime.invoke_endpoint, hint="list the endpoints with 'glue-wf endpoints'", **kwargs
    )
    click.echo(response["Body"].read().decode("utf-8", "replace"))


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
    import time

    from glue_workflow.aws.clients import client
    from glue_workflow.errors import NotFoundError, RunError

    sm = client(settings, "sagemaker")
    try:
        endpoint = _call(sm.describe_endpoint, EndpointName=name)
    except NotFoundError as exc:
        raise NotFoundError(
            f"delete-endpoint: no endpoint named {name!r} ({exc}); list them with "
            "'glue-wf endpoints'"
        ) from None
    config_name = endpoint.get("EndpointConfigName")
    config: dict[str, Any] | None = None
    models: list[str] = []  # deleted after the config
    kept: list[str] = []  # also served by another endpoint's config
    users: list[str] = []  # other endpoints serving the same config
    if not keep_config and config_name:
        config = _describe_config(sm, config_name)
        others = _other_endpoints(sm, endpoint["EndpointName"])
        users = [other for other, used in others.items() if used == config_name]
        if config is not None and not users:
            busy = {
                variant["ModelName"]
                for used in {c for c in others.values() if c and c != config_name}
                for variant in (_describe_config(sm, used) or {}).get("ProductionVariants", [])
            }
            for variant in config.get("ProductionVariants", []):
                (kept if variant["ModelName"] in busy else models).append(variant["ModelName"])
    if not yes:
        what = "" if config is None or users else f", endpoint config {config_name}"
        what += "".join(f", model {m}" for m in models)
        click.confirm(f"Delete endpoint {endpoint['EndpointName']}{what}?", abort=True)
    _call(sm.delete_endpoint, EndpointName=endpoint["EndpointName"])
    # AWS deletes asynchronously (Deleting, then gone); the local target at once.
    deadline = time.monotonic() + 900
    delay = 0.05 if settings.is_local else 5.0
    while True:
        try:
            _call(sm.describe_endpoint, EndpointName=endpoint["EndpointName"])
        except NotFoundError:
            break
        if time.monotonic() > deadline:
            raise RunError(
                f"delete-endpoint: {endpoint['EndpointName']} still exists after 15 min; "
                "check it with 'glue-wf endpoints'"
            )
        time.sleep(delay)
    click.echo(f"deleted endpoint {endpoint['EndpointName']}")
    if config is None:
        if not keep_config and config_name:
            click.echo(f"endpoint config {config_name} was already gone")
        return
    if users:
        click.echo(
            f"kept endpoint config {config_name} and its models: in use by endpoint(s) "
            + ", ".join(users)
        )
        return
    _call(sm.delete_endpoint_config, EndpointConfigName=config_name)
    click.echo(f"deleted endpoint config {config_name}")
    for model in models:
        try:
            _call(sm.delete_model, ModelName=model)
        except NotFoundError:
            click.echo(f"model {model} was already gone")
        else:
            click.echo(f"deleted model {model}")
    for model in kept:
        click.echo(f"kept model {model}: another endpoint's config serves it")


def _describe_config(sm: Any, config_name: str) -> dict[str, Any] | None:
    from glue_workflow.errors import NotFoundError

    try:
        config: dict[str, Any] = _call(sm.describe_endpoint_config, EndpointConfigName=config_name)
    except NotFoundError:
        return None
    return config


def _other_endpoints(sm: Any, endpoint: str) -> dict[str, str | None]:
    """Every other endpoint and the config it serves."""
    from glue_workflow.errors import NotFoundError

    others: dict[str, str | None] = {}
    for summary in _paged(sm, "list_endpoints", "Endpoints", MaxResults=100):
        if summary["EndpointName"] == endpoint:
            continue
        try:
            detail = _call(sm.describe_endpoint, EndpointName=summary["EndpointName"])
        except NotFoundError:  # deleted meanwhile
            continue
        others[summary["EndpointName"]] = detail.get("EndpointConfigName")
    return others


COMMANDS = [
    models_command,
    approve_command,
    endpoints_command,
    invoke_command,
    delete_endpoint_command,
]

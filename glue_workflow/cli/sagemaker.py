"""``glue-wf models | approve | endpoints | invoke``: the Model Registry and endpoints.

Every command goes through boto3 (``glue_workflow.clients``), so it works the same on
``--target local`` and ``--target aws``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings


def _call(func: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a boto3 operation; AWS errors become glue-wf errors (message, exit 1)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from glue_workflow.errors import GlueWfError, NotFoundError

    try:
        return func(**kwargs)
    except ClientError as exc:
        error = exc.response.get("Error", {})
        message = f"{error.get('Code')}: {error.get('Message')}"
        if (
            "not found" in message.lower()
            or "does not exist" in message.lower()
            or "could not find" in message.lower()
        ):
            raise NotFoundError(message) from None
        raise GlueWfError(message) from None
    except BotoCoreError as exc:
        raise GlueWfError(str(exc)) from None


def _paged(func: Callable[..., Any], key: str, **kwargs: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = _call(func, **kwargs)
        items.extend(page.get(key, []))
        if not page.get("NextToken"):
            return items
        kwargs["NextToken"] = page["NextToken"]


@click.command("models")
@with_settings
@json_option
def models_command(settings: Any, as_json: bool) -> None:
    """List Model Registry groups and their model package versions."""
    from glue_workflow.clients import client

    sm = client(settings, "sagemaker")
    groups = _paged(
        sm.list_model_package_groups,
        "ModelPackageGroupSummaryList",
        SortBy="Name",
        SortOrder="Ascending",
        MaxResults=100,
    )
    result = []
    for group in groups:
        packages = _paged(
            sm.list_model_packages,
            "ModelPackageSummaryList",
            ModelPackageGroupName=group["ModelPackageGroupName"],
            SortBy="CreationTime",
            SortOrder="Descending",
            MaxResults=100,
        )
        result.append(
            {
                "group": group["ModelPackageGroupName"],
                "arn": group["ModelPackageGroupArn"],
                "packages": packages,
            }
        )
    if as_json:
        echo_json(result)
        return
    if not result:
        click.echo("no model package groups")
        return
    for entry in result:
        click.echo(f"{entry['group']}  ({len(entry['packages'])} version(s))")
        for package in entry["packages"]:
            created = package["CreationTime"].strftime("%Y-%m-%d %H:%M:%S")
            click.echo(
                f"  v{package.get('ModelPackageVersion', '?'):<4} "
                f"{package.get('ModelApprovalStatus', ''):<22} {created}  "
                f"{package['ModelPackageArn']}"
            )


@click.command("approve")
@click.argument("package")
@click.option("--reject", is_flag=True, help="Set Rejected instead of Approved.")
@click.option("--description", default=None, help="ApprovalDescription (≤ 1024 characters).")
@with_settings
def approve_command(settings: Any, package: str, reject: bool, description: str | None) -> None:
    """Approve (or --reject) a model package: its ARN, or GROUP/VERSION."""
    from glue_workflow.clients import client
    from glue_workflow.errors import ConfigError, NotFoundError

    sm = client(settings, "sagemaker")
    package_arn = package
    if not package.startswith("arn:"):
        group, _, version = package.rpartition("/")
        if not group or not version.isdigit():
            raise ConfigError(
                f"approve: {package!r} is neither a model package ARN nor GROUP/VERSION "
                "(e.g. churn-xgb/3); list them with 'glue-wf models'"
            )
        found = [
            p
            for p in _paged(
                sm.list_model_packages,
                "ModelPackageSummaryList",
                ModelPackageGroupName=group,
                MaxResults=100,
            )
            if p.get("ModelPackageVersion") == int(version)
        ]
        if not found:
            raise NotFoundError(
                f"model package group {group!r} has no version {version}; see 'glue-wf models'"
            )
        package_arn = found[0]["ModelPackageArn"]
    if description is not None and len(description) > 1024:
        raise ConfigError("approve: --description is limited to 1024 characters")
    status = "Rejected" if reject else "Approved"
    kwargs: dict[str, Any] = {"ModelPackageArn": package_arn, "ModelApprovalStatus": status}
    if description is not None:
        kwargs["ApprovalDescription"] = description
    _call(sm.update_model_package, **kwargs)
    click.echo(f"{package_arn}: {status}")


@click.command("endpoints")
@with_settings
@json_option
def endpoints_command(settings: Any, as_json: bool) -> None:
    """List SageMaker endpoints (with their local URLs on the local target)."""
    from glue_workflow.clients import client

    sm = client(settings, "sagemaker")
    rows = []
    for summary in _paged(
        sm.list_endpoints, "Endpoints", SortBy="Name", SortOrder="Ascending", MaxResults=100
    ):
        detail = _call(sm.describe_endpoint, EndpointName=summary["EndpointName"])
        url = None
        if settings.is_local:
            from glue_workflow.local.sagemaker.endpoints import endpoint_url

            url = endpoint_url(settings.home, summary["EndpointName"])
        rows.append(
            {
                "name": detail["EndpointName"],
                "status": detail["EndpointStatus"],
                "config": detail.get("EndpointConfigName"),
                "arn": detail["EndpointArn"],
                "url": url,
                "failure_reason": detail.get("FailureReason"),
                "last_modified": detail.get("LastModifiedTime"),
            }
        )
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no endpoints")
        return
    for row in rows:
        where = f"  {row['url']}" if row["url"] else ""
        click.echo(f"{row['name']:<30} {row['status']:<12} {row['config']}{where}")
        if row["failure_reason"]:
            click.echo(f"  reason: {row['failure_reason']}")


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

    from glue_workflow.clients import client
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
    response = _call(runtime.invoke_endpoint, **kwargs)
    click.echo(response["Body"].read().decode("utf-8", "replace"))


COMMANDS = [models_command, approve_command, endpoints_command, invoke_command]

"""``glue-wf stages | promote``: deployment stages of glue-wf.toml and promotion across them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings


@contextmanager
def aws_errors() -> Iterator[None]:
    """AWS errors become glue-wf errors (one line, exit 1), as every command's do."""
    from botocore.exceptions import BotoCoreError, ClientError

    from glue_workflow.aws.errors import translate, translate_botocore
    from glue_workflow.errors import GlueWfError

    try:
        yield
    except ClientError as exc:
        raise translate(exc, f"sagemaker:{exc.operation_name}", base=GlueWfError) from None
    except BotoCoreError as exc:
        raise translate_botocore(exc, "sagemaker", base=GlueWfError) from None


@click.command("stages")
@with_settings
@json_option
def stages_command(settings: Any, as_json: bool) -> None:
    """List the deployment stages of glue-wf.toml and the model package each one serves."""
    from glue_workflow.aws.clients import client
    from glue_workflow.stages.records import serves

    rows = [
        {
            "Stage": stage.name,
            "EndpointName": stage.endpoint,
            "InstanceType": stage.instance_type,
            "InstanceCount": stage.instance_count,
            "ApprovalRequired": stage.approval_required,
            "SmokeTestUri": stage.smoke_test_uri,
            "After": stage.after,
        }
        for stage in settings.stages
    ]
    if rows:
        from glue_workflow.jobkit.sagemaker_ops import describe_or_none

        sm = client(settings, "sagemaker")
        with aws_errors():
            for row in rows:
                name = str(row["EndpointName"])
                described = describe_or_none(sm.describe_endpoint, EndpointName=name) or {}
                row["ServingModelPackageArn"] = serves(sm, name, described)
                row["EndpointStatus"] = described.get("EndpointStatus")
                row["FailureReason"] = described.get("FailureReason")
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no stages: declare them as [stages.<name>] tables in glue-wf.toml")
        return
    for row in rows:
        approval = ", manual approval required" if row["ApprovalRequired"] else ""
        after = f", after {row['After']}" if row["After"] else ""
        click.echo(
            f"{row['Stage']:<10} {row['EndpointName']:<30} "
            f"{row['InstanceCount']} x {row['InstanceType']}{approval}{after}"
        )
        status = row["EndpointStatus"]
        if status in (None, "InService", "Updating"):
            serving = f"serving {row['ServingModelPackageArn'] or 'nothing (not deployed)'}"
        else:  # Failed, Creating, RollingBack, ...: nothing is served for certain
            reason = f": {row['FailureReason']}" if row["FailureReason"] else ""
            serving = (
                f"endpoint {status}{reason} (its config holds "
                f"{row['ServingModelPackageArn'] or 'no package'})"
            )
        click.echo(f"           {serving}")


def _refuse_the_pipelines_endpoint(settings: Any, stage: Any, where: str) -> None:
    """A stage on the endpoint the workflow's own deploy node serves (validate's
    stage-endpoint rule): promoting there would take that endpoint over, and the next
    run would replace the promotion. Checked before anything is written."""
    from glue_workflow.definition import load_workflow
    from glue_workflow.errors import ConfigError, GlueWfError
    from glue_workflow.validation.stages import check_stage_endpoints

    try:
        workflow = load_workflow(settings)
    except GlueWfError:
        return  # no definition to hold it against (validate says why)
    for problem in check_stage_endpoints(workflow, [stage], where):
        if problem.rule == "stage-endpoint":
            raise ConfigError(f"promote: {problem.where} {problem.message}")


@click.command("promote")
@click.argument("package")
@click.option("--to", "stage_name", required=True, metavar="STAGE", help="Stage to promote to.")
@click.option(
    "--sample",
    "sample_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV feature rows (no label) for the smoke test (default: the stage's "
    "smoke_test_uri, else the package's test data).",
)
@click.option(
    "--allow-feature-change",
    is_flag=True,
    help="Replace a served model that scores another feature layout (its callers' rows "
    "change too); refused by default.",
)
@with_settings
@json_option
def promote_command(
    *,
    settings: Any,
    package: str,
    stage_name: str,
    sample_path: Path | None,
    allow_feature_change: bool,
    as_json: bool,
) -> None:
    """Deploy an Approved model package (ARN or GROUP/VERSION) to a stage's endpoint.

    Blue/green update, then a smoke test; if it fails, the endpoint goes back to its
    previous config. A promotion that passes is recorded as the package tag
    glue-wf:stage:STAGE (shown by 'glue-wf models').
    """
    from glue_workflow.aws.clients import client
    from glue_workflow.config import CONFIG_FILE
    from glue_workflow.errors import ConfigError
    from glue_workflow.services.registry import Registry
    from glue_workflow.stage_config import find_stage
    from glue_workflow.stages.promote import Clients, promote

    where = str(settings.project_root / CONFIG_FILE)
    stage = find_stage(settings.stages, stage_name, where)
    _refuse_the_pipelines_endpoint(settings, stage, where)
    if not settings.sagemaker_role_arn:
        raise ConfigError(
            "promote: no SageMaker execution role: set sagemaker_role_arn in "
            f"[target.{settings.target}] of {CONFIG_FILE} or GLUE_WF_SAGEMAKER_ROLE_ARN"
        )
    sample: list[str] = []
    if sample_path is not None:
        if not sample_path.is_file():
            raise ConfigError(f"promote: --sample {str(sample_path)!r} is not a file")
        sample = [line for line in sample_path.read_text().splitlines() if line.strip()]
        if not sample:
            raise ConfigError(f"promote: --sample {str(sample_path)!r} holds no rows")
    clients = Clients(
        sm=client(settings, "sagemaker"),
        runtime=client(settings, "sagemaker-runtime"),
        s3=client(settings, "s3"),
        sts=client(settings, "sts"),
    )
    log = (lambda line: click.echo(line, err=True)) if as_json else click.echo
    with aws_errors():
        arn = Registry(clients.sm).resolve(package, command="promote")
        done = promote(
            clients,
            arn,
            stage,
            role_arn=settings.sagemaker_role_arn,
            sample=sample,
            allow_feature_change=allow_feature_change,
            log=log,
        )
    if as_json:
        echo_json(
            {
                "ModelPackageArn": done.package_arn,
                "Stage": done.stage,
                "EndpointName": done.endpoint,
                "EndpointConfigName": done.endpoint_config,
                "PreviousEndpointConfigName": done.previous_config,
                "SmokeTestScores": list(done.scores),
                "PromotedAt": done.at,
                "PromotedBy": done.by,
                "User": done.user,
            }
        )
        return
    click.echo(
        f"promoted {done.package_arn} to {done.stage}: endpoint {done.endpoint} on "
        f"{done.endpoint_config}; smoke test scores {list(done.scores)}"
    )


def approve_stage(settings: Any, sm: Any, package: str, stage_name: str, *, revoke: bool) -> None:
    """``glue-wf approve --stage STAGE``: record (or revoke) a stage's manual approval."""
    from glue_workflow.aws.clients import client
    from glue_workflow.config import CONFIG_FILE
    from glue_workflow.services.registry import Registry
    from glue_workflow.stage_config import find_stage
    from glue_workflow.stages.records import record_approval, revoke_approval

    stage = find_stage(settings.stages, stage_name, str(settings.project_root / CONFIG_FILE))
    with aws_errors():
        package_arn = Registry(sm).resolve(package, command="approve")
        if revoke:
            had = revoke_approval(sm, package_arn, stage.name)
            click.echo(
                f"{package_arn}: approval for stage {stage.name} revoked"
                if had
                else f"{package_arn}: had no approval for stage {stage.name}"
            )
            return
        tag = record_approval(sm, client(settings, "sts"), package_arn, stage.name)
    click.echo(f"{package_arn}: approved for stage {stage.name} ({tag['Value']})")


def stages_json(view: dict[str, Any]) -> dict[str, Any]:
    """``package_stages`` in the CLI's JSON key style (docs/json.md)."""
    return {
        "Promotions": [
            {
                "Stage": row["stage"],
                "EndpointName": row["endpoint"],
                "EndpointConfigName": row["endpoint_config"],
                "PromotedAt": row["at"],
                "PromotedBy": row["by"],
                "User": row["user"],
                "Current": row["current"],
            }
            for row in view["promotions"]
        ],
        "Approvals": {
            stage: {"ApprovedAt": f.get("at"), "ApprovedBy": f.get("by"), "User": f.get("user")}
            for stage, f in view["approvals"].items()
        },
    }


def stage_lines(stages: dict[str, Any]) -> list[str]:
    """``glue-wf models`` lines (from ``stages_json``): promotions and stage approvals."""
    lines = []
    for row in stages["Promotions"]:
        state = "serving" if row["Current"] else "since replaced"
        lines.append(
            f"promoted to {row['Stage']} ({row['EndpointName']}, {state}) at "
            f"{row['PromotedAt']} by {row['PromotedBy']} ({row['User']})"
        )
    for stage, fields in sorted(stages["Approvals"].items()):
        lines.append(f"approved for {stage} at {fields['ApprovedAt']} by {fields['ApprovedBy']}")
    return lines


COMMANDS = [stages_command, promote_command]

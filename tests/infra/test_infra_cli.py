"""``glue-wf infra plan | deploy | destroy | outputs`` against moto's CloudFormation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from glue_workflow.cli import cli
from glue_workflow.errors import InfraError, NotSupportedError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
AWS = ["--target", "aws", "--project", str(PROJECT_ROOT)]
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")


def run(*args: str, input: str | None = None) -> Result:
    """Invoke the CLI; with ``input`` it answers as a person at a terminal would."""
    if input is None:
        return CliRunner().invoke(cli, list(args))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("glue_workflow.cli.infra._interactive", lambda: True)
        return CliRunner().invoke(cli, list(args), input=input)


def test_confirmation_without_a_terminal_asks_for_yes(aws: Any) -> None:
    deployed(aws)
    result = run("infra", "destroy", *AWS)
    assert result.exit_code == 1
    assert "needs an answer and there is no terminal: pass --yes" in str(result.exception)


def deployed(aws: Any) -> dict[str, str]:
    result = run("infra", "deploy", *AWS, "--workflow-name", "churn-pipeline", "--yes")
    assert result.exit_code == 0, result.output + repr(result.exception)
    outputs = run("infra", "outputs", *AWS, "--json")
    assert outputs.exit_code == 0, outputs.output
    return dict(json.loads(outputs.output)["Outputs"])


def test_local_target_needs_no_infra() -> None:
    result = run("infra", "plan", "--target", "local", "--project", str(PROJECT_ROOT))

    assert result.exit_code == 1
    assert isinstance(result.exception, NotSupportedError)
    assert str(result.exception) == (
        "'glue-wf infra' manages a CloudFormation stack on AWS; the local target needs no "
        "infra (its bucket 'glue-wf-local' and roles are built in). Use --target aws (or "
        "GLUE_WF_TARGET=aws) to plan, deploy or destroy the AWS stack"
    )


def test_plan_json_reads_the_workflow_name_from_the_definition(aws: Any) -> None:
    result = run("infra", "plan", *AWS, "--json")

    assert result.exit_code == 0, result.output + repr(result.exception)
    plan = json.loads(result.output)
    assert plan["StackName"] == "glue-wf"
    assert plan["ChangeSetType"] == "CREATE"
    assert plan["NoChanges"] is False
    assert {c["LogicalResourceId"] for c in plan["Changes"]} == {
        "ArtifactsBucket",
        "ArtifactsBucketPolicy",
        "GlueJobRole",
        "SageMakerExecutionRole",
        "EventsRole",
        "NotificationsTopic",
    }
    assert plan["SageMakerScopes"]["SageMakerJobArns"] == [
        "arn:aws:sagemaker:us-east-1:123456789012:training-job/churn-pipeline-*",
        "arn:aws:sagemaker:us-east-1:123456789012:processing-job/churn-pipeline-*",
    ]
    assert plan["Notifications"] == {"NotifySns": "false", "NotifyEventBridge": "false"}
    parameters = aws.client("cloudformation").list_stacks()["StackSummaries"]
    assert [s["StackStatus"] for s in parameters] in ([], ["DELETE_COMPLETE"])


def test_plan_table_and_deploy_and_outputs(aws: Any) -> None:
    plan = run("infra", "plan", *AWS, "--workflow-name", "churn-pipeline")
    assert plan.exit_code == 0, plan.output
    assert plan.output.splitlines()[:3] == [
        "stack glue-wf: change set to create it (6 resource change(s)):",
        "Action  Logical ID              Type                   Replacement",
        "------  ----------------------  ---------------------  -----------",
    ]
    assert "Add     GlueJobRole             AWS::IAM::Role         -" in plan.output
    assert "change set deleted (plan executes nothing)" in plan.output

    outputs = deployed(aws)
    assert outputs["GlueJobRoleArn"].startswith(
        "arn:aws:iam::123456789012:role/glue-wf-GlueJobRole"
    )

    again = run("infra", "deploy", *AWS, "--workflow-name", "churn-pipeline", "--yes")
    assert again.exit_code == 0
    assert again.output == "stack glue-wf: no changes (the deployed stack matches the template)\n"

    shown = run("infra", "outputs", *AWS)
    assert shown.output.splitlines()[0] == "stack glue-wf: CREATE_COMPLETE"
    assert f"ArtifactsBucketName        {outputs['ArtifactsBucketName']}" in shown.output


def test_deploy_asks_before_executing(aws: Any) -> None:
    result = run("infra", "deploy", *AWS, "--workflow-name", "churn-pipeline", input="n\n")

    assert result.exit_code == 1
    assert "Execute this change set? [y/N]: n" in result.output
    assert isinstance(result.exception, InfraError)
    assert str(result.exception) == (
        "deploy cancelled: the change set was deleted, nothing changed"
    )
    summaries = aws.client("cloudformation").list_stacks()["StackSummaries"]
    assert all(s["StackStatus"] == "DELETE_COMPLETE" for s in summaries)


def test_destroy_refuses_non_empty_bucket_and_needs_yes_to_force(aws: Any) -> None:
    bucket = deployed(aws)["ArtifactsBucketName"]
    aws.client("s3").put_object(Bucket=bucket, Key="data/churn.csv", Body=b"a,b\n")

    refused = run("infra", "destroy", *AWS, "--yes")
    assert refused.exit_code == 1
    assert str(refused.exception).startswith(f"bucket {bucket} of stack glue-wf is not empty")

    unconfirmed = run("infra", "destroy", *AWS, "--force-empty-bucket")
    assert unconfirmed.exit_code == 2
    assert (
        "--force-empty-bucket deletes every object version in the artifacts bucket: "
        "add --yes to confirm"
    ) in unconfirmed.output

    forced = run("infra", "destroy", *AWS, "--force-empty-bucket", "--yes")
    assert forced.exit_code == 0, forced.output + repr(forced.exception)
    assert f"deleted 1 object version(s) from bucket {bucket}" in forced.output
    assert forced.output.rstrip().endswith("stack glue-wf: DELETE_COMPLETE")

    gone = run("infra", "outputs", *AWS)
    assert gone.exit_code == 1
    assert str(gone.exception) == (
        "CloudFormation stack 'glue-wf' does not exist in us-east-1: create the bucket and "
        "roles with 'glue-wf infra deploy' (see infra/README.md), or name them in the "
        "[target.aws] table of glue-wf.toml"
    )


def test_destroy_of_empty_bucket_asks_first(aws: Any) -> None:
    bucket = deployed(aws)["ArtifactsBucketName"]

    declined = run("infra", "destroy", *AWS, input="n\n")
    assert declined.exit_code == 1
    assert f"Delete stack glue-wf (CREATE_COMPLETE) and its empty bucket {bucket}?" in (
        declined.output
    )
    assert str(declined.exception) == "destroy cancelled: nothing was deleted"

    accepted = run("infra", "destroy", *AWS, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "DELETE_COMPLETE" in accepted.output


def test_unreadable_definition_is_named(aws: Any, tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text('[workflow]\ndefinition = "triggers/missing.py"\n')

    template = str(PROJECT_ROOT / "infra" / "template.yaml")
    result = run(
        "infra", "plan", "--target", "aws", "--project", str(tmp_path), "--template", template
    )

    assert result.exit_code == 1
    message = str(result.exception)
    assert message.startswith(
        f"cannot read the workflow from {tmp_path / 'triggers' / 'missing.py'}: "
    )
    assert message.endswith(
        "; the roles are scoped to its name, default run properties and the SageMaker and "
        "notifications it uses: fix the definition"
    )


def test_missing_template_is_named(aws: Any, tmp_path: Path) -> None:
    (tmp_path / "glue-wf.toml").write_text("")

    result = run(
        "infra",
        "plan",
        "--target",
        "aws",
        "--project",
        str(tmp_path),
        "--workflow-name",
        "churn-pipeline",
    )

    assert result.exit_code == 1
    assert str(result.exception) == (
        f"CloudFormation template not found: {tmp_path / 'infra' / 'template.yaml'} "
        "(expected infra/template.yaml in the project, or pass --template PATH)"
    )


def test_plan_keep_leaves_the_change_set_for_review(aws: Any) -> None:
    result = run("infra", "plan", *AWS, "--workflow-name", "churn-pipeline", "--keep")

    assert result.exit_code == 0, result.output
    kept = result.output.splitlines()[-1]
    assert kept.startswith("change set kept for review: arn:aws:cloudformation:us-east-1:")
    change_set = aws.client("cloudformation").describe_change_set(
        ChangeSetName=kept.rsplit(" ", 1)[1]
    )
    assert change_set["ExecutionStatus"] == "AVAILABLE"

"""Deploying the real template to moto's CloudFormation through glue-wf's change sets."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path
from typing import Any

import pytest

from glue_workflow.errors import ConfigError, InfraError
from glue_workflow.infra.commands import (
    InfraContext,
    StackOptions,
    run_deploy,
    run_destroy,
    run_plan,
)
from glue_workflow.infra.destroy import BucketNotEmptyError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
OPTIONS = StackOptions(workflow_name="churn-pipeline")
# The hooks in conftest.py apply the bucket policy moto's CloudFormation skips.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")


def role_statements(iam: Any, role: str, policy: str) -> dict[str, dict[str, Any]]:
    """Statements by Sid. moto's CloudFormation stores inline role policies as the
    Python repr of the resolved dict (not JSON), and keeps an AWS::NoValue statement
    as None (CloudFormation drops it): both are undone here."""
    document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
    if isinstance(document, str):
        document = ast.literal_eval(document)
    return {s["Sid"]: s for s in document["Statement"] if s is not None}


def context(aws: Any, settings: Any, no_wait: Any, lines: list[str]) -> InfraContext:
    return InfraContext(settings=settings, session=aws.session, echo=lines.append, waiting=no_wait)


def never(question: str) -> bool:
    raise AssertionError(f"unexpected question: {question}")


def deploy(aws: Any, settings: Any, no_wait: Any, options: StackOptions = OPTIONS) -> Any:
    lines: list[str] = []
    stack = run_deploy(context(aws, settings, no_wait, lines), options, yes=True, confirm=never)
    return stack, lines


def test_deploy_creates_bucket_and_roles_as_declared(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    stack, lines = deploy(aws, aws_settings, no_wait)

    assert stack.status == "CREATE_COMPLETE"
    assert set(stack.outputs) == {
        "ArtifactsBucketName",
        "GlueJobRoleArn",
        "SageMakerExecutionRoleArn",
        "EventsRoleArn",
        "NotificationsTopicArn",
    }
    assert aws.cfn.executed == ["CREATE"]
    text = "\n".join(lines)
    assert "change set to create it (6 resource change(s))" in text
    assert "Add     ArtifactsBucket" in text
    assert "CREATE_COMPLETE              GlueJobRole (AWS::IAM::Role)" in text

    s3 = aws.client("s3")
    bucket = stack.outputs["ArtifactsBucketName"]
    sse = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    assert sse["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    policy = aws.cfn.bucket_policies[bucket]
    assert policy["Statement"][0]["Resource"] == [
        f"arn:aws:s3:::{bucket}",
        f"arn:aws:s3:::{bucket}/*",
    ]
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket)["TagSet"]}
    assert tags == {"glue-wf:workflow": "churn-pipeline", "glue-wf:managed-by": "glue-wf"}

    iam = aws.client("iam")
    glue_role = stack.outputs["GlueJobRoleArn"].rsplit("/", 1)[1]
    role = iam.get_role(RoleName=glue_role)["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "glue.amazonaws.com"
    }
    by_sid = role_statements(iam, glue_role, "glue-wf-glue-job")
    assert by_sid["PassSageMakerRole"]["Resource"] == stack.outputs["SageMakerExecutionRoleArn"]
    assert by_sid["WorkflowRunProperties"]["Resource"] == (
        "arn:aws:glue:us-east-1:123456789012:workflow/churn-pipeline"
    )
    prefix = f"arn:aws:s3:::{bucket}/glue-wf/churn-pipeline"
    assert by_sid["WorkflowObjects"] == {
        "Sid": "WorkflowObjects",
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Resource": f"{prefix}/*",
    }
    # Jobs write run outputs, TempDir and cache entries, never the code they run.
    assert by_sid["WriteRunOutputs"]["Resource"] == [
        f"{prefix}/runs/*",
        f"{prefix}/temp/*",
        f"{prefix}/cache/*",
    ]
    sagemaker_role = stack.outputs["SageMakerExecutionRoleArn"].rsplit("/", 1)[1]
    containers = role_statements(iam, sagemaker_role, "glue-wf-sagemaker-execution")
    assert containers["WorkflowObjects"]["Action"] == "s3:GetObject"
    assert containers["WriteRunOutputs"]["Resource"] == f"{prefix}/runs/*"
    # SageMaker reads --rollback_alarms as the execution role during an endpoint update
    assert containers["RollbackAlarms"] == {
        "Sid": "RollbackAlarms",
        "Effect": "Allow",
        "Action": "cloudwatch:DescribeAlarms",
        "Resource": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*",
    }
    sagemaker = "arn:aws:sagemaker:us-east-1:123456789012"
    # Scoped to the names the churn workflow uses, not to a "churn" prefix; its configs
    # are churn-xgb-<10 hex>, not those of the stage endpoints churn-xgb-dev/-prod.
    hosting = [
        f"{sagemaker}:model/churn-pipeline-*",
        f"{sagemaker}:endpoint-config/churn-xgb-??????????",
        f"{sagemaker}:endpoint/churn-xgb",
    ]
    jobs = [
        f"{sagemaker}:training-job/churn-pipeline-*",
        f"{sagemaker}:processing-job/churn-pipeline-*",
    ]
    registry = [
        f"{sagemaker}:model-package-group/churn-xgb",
        f"{sagemaker}:model-package/churn-xgb",
        f"{sagemaker}:model-package/churn-xgb/*",
    ]
    # The churn workflow trains, evaluates, registers and deploys: every SageMaker grant.
    assert by_sid["SageMakerJobs"] == {
        "Sid": "SageMakerJobs",
        "Effect": "Allow",
        "Action": [
            "sagemaker:CreateTrainingJob",
            "sagemaker:DescribeTrainingJob",
            "sagemaker:CreateProcessingJob",
            "sagemaker:DescribeProcessingJob",
        ],
        "Resource": jobs,
    }
    assert by_sid["SageMakerHosting"]["Resource"] == hosting
    assert len(by_sid["SageMakerHosting"]["Action"]) == 10
    assert by_sid["SageMakerModelRegistry"]["Resource"] == registry
    assert "sagemaker:CreateModel" in by_sid["SageMakerModelRegistry"]["Action"]
    tagged = {
        sid: (st["Resource"], st["Condition"]["StringEquals"]["sagemaker:TaggingAction"])
        for sid, st in by_sid.items()
        if st["Action"] == "sagemaker:AddTags"
    }
    assert tagged == {
        "SageMakerJobsTagOnCreate": (jobs, ["CreateTrainingJob", "CreateProcessingJob"]),
        "SageMakerRegistryTagOnCreate": (
            registry,
            ["CreateModelPackageGroup", "CreateModelPackage"],
        ),
        "SageMakerHostingTagOnCreate": (
            hosting,
            ["CreateModel", "CreateEndpointConfig", "CreateEndpoint"],
        ),
    }
    assert by_sid["SageMakerListOnly"]["Resource"] == "*"
    # No notify= in the churn workflow: it publishes no verdict.
    assert "PublishVerdict" not in by_sid
    assert "PutVerdictEvents" not in by_sid
    # Glue is documented to send no aws:SourceAccount: its trust has no condition.
    assert "Condition" not in role["AssumeRolePolicyDocument"]["Statement"][0]
    assert "BucketKmsKey" not in by_sid  # SSE-S3 by default


def test_kms_key_switches_encryption_and_grants_the_key(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    options = StackOptions(
        workflow_name="churn-pipeline", kms_key_arn=key, bucket_name="my-artifacts-bucket"
    )
    stack, _ = deploy(aws, aws_settings, no_wait, options)

    assert stack.outputs["ArtifactsBucketName"] == "my-artifacts-bucket"
    sse = aws.client("s3").get_bucket_encryption(Bucket="my-artifacts-bucket")
    default = sse["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert default["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key,
    }
    iam = aws.client("iam")
    role = stack.outputs["SageMakerExecutionRoleArn"].rsplit("/", 1)[1]
    kms = role_statements(iam, role, "glue-wf-sagemaker-execution")["BucketKmsKey"]
    assert kms["Resource"] == key


def test_redeploying_unchanged_template_is_no_changes(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    deploy(aws, aws_settings, no_wait)
    stack, lines = deploy(aws, aws_settings, no_wait)

    assert stack is None
    assert lines == ["stack glue-wf: no changes (the deployed stack matches the template)"]
    assert aws.cfn.executed == ["CREATE"]
    change_sets = aws.client("cloudformation").list_change_sets(StackName="glue-wf")
    assert [s for s in change_sets["Summaries"] if s["ExecutionStatus"] == "AVAILABLE"] == []


def test_changed_parameter_plans_an_update(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    # An explicit bucket name: moto's bucket update provider needs BucketName present.
    first = StackOptions(workflow_name="churn-pipeline", bucket_name="churn-artifacts")
    deploy(aws, aws_settings, no_wait, first)
    changed = StackOptions(workflow_name="churn-pipeline", allow=(("endpoint_name", "canary"),))
    plan = run_plan(context(aws, aws_settings, no_wait, []), changed)

    assert plan.change_set_type == "UPDATE"
    assert not plan.empty
    stack, _ = deploy(aws, aws_settings, no_wait, changed)
    assert stack.status == "UPDATE_COMPLETE"
    assert stack.parameters["SageMakerHostingArns"].split(",")[-1] == (
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint/canary"
    )
    assert stack.parameters["BucketName"] == "churn-artifacts"  # kept (UsePreviousValue)
    assert stack.outputs["ArtifactsBucketName"] == "churn-artifacts"
    assert aws.cfn.executed == ["CREATE", "UPDATE"]


def test_plan_of_new_stack_leaves_nothing_behind(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    plan = run_plan(context(aws, aws_settings, no_wait, []), OPTIONS)

    assert plan.change_set_type == "CREATE"
    assert [(c.action, c.logical_id) for c in plan.changes] == [
        ("Add", "ArtifactsBucket"),
        ("Add", "ArtifactsBucketPolicy"),
        ("Add", "GlueJobRole"),
        ("Add", "SageMakerExecutionRole"),
        ("Add", "EventsRole"),
        ("Add", "NotificationsTopic"),
    ]
    cf = aws.client("cloudformation")
    live = [s for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert live == []
    assert aws.client("s3").list_buckets()["Buckets"] == []


def test_failed_creation_names_the_resource_and_reason_then_recreates(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    aws.cfn.fail_next_execution(
        "GlueJobRole", 'Resource handler returned message: "Access denied for iam:CreateRole"'
    )
    with pytest.raises(InfraError) as failed:
        deploy(aws, aws_settings, no_wait)
    assert str(failed.value) == (
        "Creation of stack glue-wf failed: the stack is ROLLBACK_COMPLETE\n"
        "  - GlueJobRole (AWS::IAM::Role) CREATE_FAILED: Resource handler returned message: "
        '"Access denied for iam:CreateRole"\n'
        "The stack must be deleted before it can be created again: fix the cause, then run "
        "'glue-wf infra deploy --yes' (it deletes the failed stack first)"
    )

    lines: list[str] = []
    ctx = context(aws, aws_settings, no_wait, lines)
    with pytest.raises(
        InfraError,
        match=(
            r"stack glue-wf is ROLLBACK_COMPLETE: its creation failed and CloudFormation "
            r"cannot update it\. Delete it with 'glue-wf infra destroy --yes'"
        ),
    ):
        run_deploy(ctx, OPTIONS, yes=False, confirm=lambda question: False)

    questions: list[str] = []
    stack = run_deploy(ctx, OPTIONS, yes=False, confirm=lambda q: questions.append(q) or True)
    assert questions == [
        "Stack glue-wf is ROLLBACK_COMPLETE (its creation failed) and can only be deleted. "
        "Delete it now and create it again?",
        "Execute this change set?",
    ]
    assert stack.status == "CREATE_COMPLETE"
    assert "deleting failed stack glue-wf (ROLLBACK_COMPLETE)" in lines


def test_destroy_refuses_non_empty_bucket_then_forced_empties_every_version(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    stack, _ = deploy(aws, aws_settings, no_wait)
    bucket = stack.outputs["ArtifactsBucketName"]
    s3 = aws.client("s3")
    for body in (b"v1", b"v2"):
        s3.put_object(Bucket=bucket, Key="glue-wf/churn-pipeline/artifacts/x/train.py", Body=body)
    s3.delete_object(Bucket=bucket, Key="glue-wf/churn-pipeline/artifacts/x/train.py")
    lines: list[str] = []
    ctx = context(aws, aws_settings, no_wait, lines)

    with pytest.raises(
        BucketNotEmptyError,
        match=(
            rf"bucket {bucket} of stack glue-wf is not empty \(scripts, run outputs, models\): "
            "destroy refuses to delete data. Copy what you need, then rerun with "
            "--force-empty-bucket --yes"
        ),
    ):
        run_destroy(ctx, yes=True, force_empty_bucket=False, confirm=never)
    assert len(s3.list_object_versions(Bucket=bucket)["Versions"]) == 2

    assert run_destroy(ctx, yes=True, force_empty_bucket=True, confirm=never)
    assert "deleted 3 object version(s) from bucket " + bucket in lines
    assert (
        aws.client("cloudformation").describe_stacks(StackName=stack.stack_id)["Stacks"][0][
            "StackStatus"
        ]
        == "DELETE_COMPLETE"
    )
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_destroy_of_missing_stack_says_so(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    lines: list[str] = []
    assert not run_destroy(
        context(aws, aws_settings, no_wait, lines),
        yes=True,
        force_empty_bucket=False,
        confirm=never,
    )
    assert lines == ["stack glue-wf does not exist in us-east-1: nothing to destroy"]


def test_declined_deploy_deletes_the_change_set(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    with pytest.raises(InfraError, match="deploy cancelled: the change set was deleted"):
        run_deploy(
            context(aws, aws_settings, no_wait, []),
            OPTIONS,
            yes=False,
            confirm=lambda question: False,
        )
    cf = aws.client("cloudformation")
    assert [
        s for s in cf.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"
    ] == []


def test_allow_of_a_property_that_names_no_resource_is_refused(
    aws: Any, aws_settings: Any, no_wait: Any
) -> None:
    with pytest.raises(
        ConfigError,
        match=(
            r"^--allow input_uri=s3://b/x: only endpoint_name, model_package_group name "
            r"SageMaker resources the roles are scoped to$"
        ),
    ):
        run_plan(
            context(aws, aws_settings, no_wait, []),
            StackOptions(allow=(("input_uri", "s3://b/x"),)),
        )


ETL_DEFINITION = """
from glue_workflow.model import OnDemand, PythonShellJob, SparkJob, Workflow, succeeded
{imports}
clean = SparkJob(name="clean", script="jobs/clean.py", context_arguments=("artifacts_bucket",))
report = PythonShellJob(name="report", script="jobs/report.py", after=succeeded(clean))
workflow = Workflow(
    name="nightly-etl",
    start=OnDemand(),
    nodes=(clean, report),
    default_run_properties={{"input_uri": "s3://{{bucket}}/data/x.csv"}},
    {notify}
)
"""


def etl_project(tmp_path: Path, *, imports: str = "", notify: str = "") -> Any:
    """A project whose workflow is a Spark ETL and a Python shell job, no SageMaker."""
    from glue_workflow.config import load_settings

    (tmp_path / "triggers").mkdir()
    (tmp_path / "jobs").mkdir()
    for script in ("clean", "report"):
        (tmp_path / "jobs" / f"{script}.py").write_text("print('ok')\n")
    definition = ETL_DEFINITION.format(imports=imports, notify=notify)
    (tmp_path / "triggers" / "etl.py").write_text(definition)
    (tmp_path / "glue-wf.toml").write_text('[workflow]\ndefinition = "triggers/etl.py"\n')
    shutil.copytree(PROJECT_ROOT / "infra", tmp_path / "infra")
    return load_settings(tmp_path, target="aws", env={"AWS_REGION": "us-east-1"})


def test_a_workflow_without_sagemaker_gets_no_sagemaker_access(
    aws: Any, no_wait: Any, tmp_path: Path
) -> None:
    settings = etl_project(tmp_path)
    stack, lines = deploy(aws, settings, no_wait, StackOptions())

    assert stack.status == "CREATE_COMPLETE"
    assert "SageMakerExecutionRoleArn" not in stack.outputs
    iam = aws.client("iam")
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert [r for r in roles if "SageMakerExecutionRole" in r] == []
    glue_role = stack.outputs["GlueJobRoleArn"].rsplit("/", 1)[1]
    by_sid = role_statements(iam, glue_role, "glue-wf-glue-job")
    assert sorted(by_sid) == [
        "BucketLocation",
        "GlueJobLogs",
        "ListWorkflowPrefixes",
        "ReadInputData",
        "WorkflowObjects",
        "WorkflowRunProperties",
        "WriteRunOutputs",
    ]
    actions = [
        a
        for st in by_sid.values()
        for a in (st["Action"] if isinstance(st["Action"], list) else [st["Action"]])
    ]
    assert not [a for a in actions if a.startswith(("sagemaker:", "iam:", "sns:", "events:"))]
    text = "\n".join(lines)
    assert "SageMaker: not granted (no node of nightly-etl is handed sagemaker_role_arn" in text
    assert "Verdict notifications: not granted (no notify= target in nightly-etl)" in text
    assert stack.parameters["SageMakerJobArns"] == ""
    assert stack.parameters["SageMakerHostingArns"] == ""


def test_notify_targets_grant_only_their_own_publishing(
    aws: Any, no_wait: Any, tmp_path: Path
) -> None:
    settings = etl_project(
        tmp_path, imports="from glue_workflow.model import ToSns", notify="notify=[ToSns()],"
    )
    stack, lines = deploy(aws, settings, no_wait, StackOptions())

    glue_role = stack.outputs["GlueJobRoleArn"].rsplit("/", 1)[1]
    by_sid = role_statements(aws.client("iam"), glue_role, "glue-wf-glue-job")
    assert by_sid["PublishVerdict"]["Resource"] == stack.outputs["NotificationsTopicArn"]
    assert "PutVerdictEvents" not in by_sid
    assert "PassSageMakerRole" not in by_sid
    assert (
        "Verdict notifications the Glue job role may publish: sns:Publish on the stack's topic"
        in "\n".join(lines)
    )

"""``run -p`` and ``validate --target aws`` refuse names the Glue job role would be denied."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_infra_moto_deploy import role_statements

from glue_workflow.cli import cli
from glue_workflow.config import load_settings
from glue_workflow.infra.commands import InfraContext, StackOptions, run_deploy
from glue_workflow.infra.guard import PolicyDeniedError, check_run_properties

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHURN = {
    "endpoint_name": "churn-xgb",
    "model_package_group": "churn-xgb",
    "min_accuracy": "0.9",
}
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS")

LOCAL_DENIED = (
    "run property endpoint_name='other' would be denied on AWS: the Glue job role "
    "'glue-wf infra deploy' creates for the workflow's defaults allows the SageMaker "
    "endpoint(s) churn-xgb only, so sagemaker:CreateEndpoint, sagemaker:UpdateEndpoint, "
    "sagemaker:DescribeEndpoint on arn:...:sagemaker:...:endpoint/other would be missing. "
    "To use it, make it the workflow's default (default_run_properties['endpoint_name'] in "
    "{definition}), deploy, and on AWS rerun 'glue-wf infra deploy'"
)
AWS_DENIED = (
    "run property model_package_group='Other-Group' would be denied on AWS: the Glue job "
    "role of stack 'glue-wf' allows the model package group(s) churn-xgb only, so "
    "sagemaker:CreateModelPackageGroup, sagemaker:DescribeModelPackageGroup, "
    "sagemaker:CreateModelPackage on arn:...:sagemaker:...:model-package-group/other-group "
    "would be missing. To use it, make it the workflow's default "
    "(default_run_properties['model_package_group'] in {definition}) or pass --allow "
    "model_package_group=Other-Group to 'glue-wf infra deploy --target aws', then rerun "
    "'glue-wf infra deploy --target aws'"
)


def test_local_run_is_held_to_what_infra_would_deploy() -> None:
    settings = load_settings(PROJECT_ROOT, target="local")
    with pytest.raises(PolicyDeniedError) as err:
        check_run_properties(settings, "churn-pipeline", CHURN, {"endpoint_name": "other"})
    assert str(err.value) == LOCAL_DENIED.format(definition=settings.definition)
    # the defaults themselves, other properties, and case (ARNs are lower case) pass
    check_run_properties(settings, "churn-pipeline", CHURN, {"endpoint_name": "Churn-XGB"})
    check_run_properties(settings, "churn-pipeline", CHURN, {"min_accuracy": "0.5"})


def test_local_run_start_refuses_before_starting(tmp_path: Path) -> None:
    import boto3
    from botocore.stub import Stubber

    from glue_workflow.aws.retry import RetryPolicy
    from glue_workflow.runs import control
    from glue_workflow.runs.glue_run_calls import GlueRunsApi

    settings = load_settings(PROJECT_ROOT, target="local")
    client = boto3.client("glue", region_name="us-east-1")
    api = GlueRunsApi(client=client, policy=RetryPolicy(sleep=lambda _s: None))
    target = control.RunTarget(settings=settings, workflow="churn-pipeline", glue=api)
    with Stubber(client) as stubber:  # no StartWorkflowRun stubbed: it must not be called
        stubber.add_response(
            "get_workflow",
            {"Workflow": {"Name": "churn-pipeline", "DefaultRunProperties": CHURN}},
        )
        with pytest.raises(PolicyDeniedError) as err:
            control.start(target, {"endpoint_name": "other"})
        stubber.assert_no_pending_responses()
    assert str(err.value) == LOCAL_DENIED.format(definition=settings.definition)


def deploy(aws: Any, settings: Any, no_wait: Any, options: StackOptions) -> None:
    # An explicit bucket name: moto's bucket update provider needs BucketName present.
    options = dataclasses.replace(options, bucket_name="churn-artifacts")
    ctx = InfraContext(
        settings=settings, session=aws.session, echo=lambda _l: None, waiting=no_wait
    )
    run_deploy(ctx, options, yes=True, confirm=lambda _q: True)


def test_aws_run_is_held_to_the_deployed_stack(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    # No stack: nothing to check against (AWS itself still enforces the role's policy).
    check_run_properties(aws_settings, "churn-pipeline", CHURN, {"endpoint_name": "x"})

    deploy(aws, aws_settings, no_wait, StackOptions())
    with pytest.raises(PolicyDeniedError) as err:
        check_run_properties(
            aws_settings, "churn-pipeline", CHURN, {"model_package_group": "Other-Group"}
        )
    assert str(err.value) == AWS_DENIED.format(definition=aws_settings.definition)

    deploy(
        aws, aws_settings, no_wait, StackOptions(allow=(("model_package_group", "other-group"),))
    )
    check_run_properties(
        aws_settings, "churn-pipeline", CHURN, {"model_package_group": "Other-Group"}
    )

    with pytest.raises(PolicyDeniedError, match=r"^stack 'glue-wf' holds the roles of workflow"):
        check_run_properties(aws_settings, "fraud", {"endpoint_name": "f"}, {})


def test_run_cli_on_aws_refuses_with_the_message(aws: Any, aws_settings: Any, no_wait: Any) -> None:
    deploy(aws, aws_settings, no_wait, StackOptions())
    aws.client("glue").create_workflow(Name="churn-pipeline", DefaultRunProperties=CHURN)
    args = ["run", "--target", "aws", "--project", str(PROJECT_ROOT)]

    refused = CliRunner().invoke(cli, [*args, "-p", "endpoint_name=other"])

    assert refused.exit_code == 1
    assert str(refused.exception).startswith(
        "run property endpoint_name='other' would be denied on AWS: the Glue job role of "
        "stack 'glue-wf' allows the SageMaker endpoint(s) churn-xgb only"
    )
    assert aws.client("glue").get_workflow_runs(Name="churn-pipeline")["Runs"] == []
    started = CliRunner().invoke(cli, [*args, "-p", "endpoint_name=churn-xgb"])
    assert started.exit_code == 0, started.output
    assert started.output.startswith("wr_")


def project_with_endpoint(tmp_path: Path, endpoint: str) -> Path:
    for name in ("triggers", "jobs", "infra"):
        shutil.copytree(PROJECT_ROOT / name, tmp_path / name)
    shutil.copy(PROJECT_ROOT / "glue-wf.toml", tmp_path / "glue-wf.toml")
    definition = tmp_path / "triggers" / "churn_pipeline.py"
    text = definition.read_text().replace(
        '"endpoint_name": "churn-xgb"', f'"endpoint_name": "{endpoint}"'
    )
    definition.write_text(text)
    return tmp_path


def test_validate_on_aws_checks_the_defaults_against_the_stack(
    aws: Any, aws_settings: Any, no_wait: Any, tmp_path: Path
) -> None:
    project = project_with_endpoint(tmp_path, "churn-v2")
    args = ["validate", "--target", "aws", "--project", str(project)]

    unchecked = CliRunner().invoke(cli, args)
    assert unchecked.exit_code == 0, unchecked.output
    assert (
        "warning: workflow 'churn-pipeline': IAM scopes not checked: no readable glue-wf "
        "infra stack 'glue-wf' in us-east-1"
    ) in unchecked.output

    deploy(aws, aws_settings, no_wait, StackOptions())  # from the churn-xgb definition
    refused = CliRunner().invoke(cli, args)
    assert refused.exit_code == 1
    assert str(refused.exception) == (
        "workflow 'churn-pipeline' default_run_properties['endpoint_name']: run property "
        "endpoint_name='churn-v2' would be denied on AWS: the Glue job role of stack "
        "'glue-wf' allows the SageMaker endpoint(s) churn-xgb only, so "
        "sagemaker:CreateEndpoint, sagemaker:UpdateEndpoint, sagemaker:DescribeEndpoint on "
        "arn:...:sagemaker:...:endpoint/churn-v2 would be missing. To use it, make it the "
        "workflow's default (default_run_properties['endpoint_name'] in "
        f"{project / 'triggers' / 'churn_pipeline.py'}) or pass --allow "
        "endpoint_name=churn-v2 to 'glue-wf infra deploy --target aws', then rerun "
        "'glue-wf infra deploy --target aws' [iam]"
    )

    # Redeploying the infra from this definition widens the policy: valid again.
    deploy(
        aws,
        load_settings(project, target="aws", env={"AWS_REGION": "us-east-1"}),
        no_wait,
        StackOptions(),
    )
    assert CliRunner().invoke(cli, args).exit_code == 0


FRAUD_DEFINITION = """
from glue_workflow.model import OnDemand, PythonShellJob, Workflow

score = PythonShellJob(name="score", script="jobs/score.py", reads=("endpoint_name",))
workflow = Workflow(
    name="Fraud_Scoring",
    start=OnDemand(),
    nodes=(score,),
    default_run_properties={"endpoint_name": "FraudLive"},
)
"""


def test_stack_of_a_workflow_that_is_not_the_churn_demo(
    aws: Any, no_wait: Any, tmp_path: Path
) -> None:
    (tmp_path / "triggers").mkdir()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "score.py").write_text("print('score')\n")
    (tmp_path / "triggers" / "fraud.py").write_text(FRAUD_DEFINITION)
    (tmp_path / "glue-wf.toml").write_text('[workflow]\ndefinition = "triggers/fraud.py"\n')
    shutil.copytree(PROJECT_ROOT / "infra", tmp_path / "infra")
    settings = load_settings(tmp_path, target="aws", env={"AWS_REGION": "us-east-1"})

    deploy(aws, settings, no_wait, StackOptions())

    iam = aws.client("iam")
    stack = aws.client("cloudformation").describe_stacks(StackName="glue-wf")["Stacks"][0]
    role_arn = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}["GlueJobRoleArn"]
    role = role_arn.rsplit("/", 1)[1]
    by_sid = role_statements(iam, role, "glue-wf-glue-job")
    head = "arn:aws:sagemaker:us-east-1:123456789012"
    # no model_package_group: no registry; no node handed sagemaker_role_arn: no jobs
    assert "SageMakerModelRegistry" not in by_sid
    assert "SageMakerJobs" not in by_sid
    assert "SageMakerJobsTagOnCreate" not in by_sid
    assert by_sid["SageMakerHosting"]["Resource"] == [
        f"{head}:model/fraud-scoring-*",
        f"{head}:endpoint-config/fraudlive-??????????",
        f"{head}:endpoint/fraudlive",
    ]
    assert (
        by_sid["SageMakerHostingTagOnCreate"]["Resource"] == by_sid["SageMakerHosting"]["Resource"]
    )
    # deploy's CreateModel names the execution role
    assert "PassSageMakerRole" in by_sid
    assert by_sid["WorkflowRunProperties"]["Resource"] == (
        "arn:aws:glue:us-east-1:123456789012:workflow/Fraud_Scoring"
    )


def test_a_workflow_without_a_registry_allows_no_model_package_group() -> None:
    settings = load_settings(PROJECT_ROOT, target="local")
    with pytest.raises(PolicyDeniedError) as err:
        check_run_properties(settings, "etl", {"rows": "1"}, {"model_package_group": "g"})
    assert str(err.value).startswith(
        "run property model_package_group='g' would be denied on AWS: the Glue job role "
        "'glue-wf infra deploy' creates for the workflow's defaults allows no model package "
        "group, so sagemaker:CreateModelPackageGroup, "
    )


def test_input_outside_what_the_glue_role_reads_is_refused() -> None:
    settings = load_settings(PROJECT_ROOT, target="local")
    defaults = {**CHURN, "input_uri": f"s3://{settings.bucket}/data/churn.csv"}
    check_run_properties(settings, "churn-pipeline", defaults, {})
    check_run_properties(
        settings, "churn-pipeline", defaults, {"input_uri": f"s3://{settings.bucket}/data/b.csv"}
    )
    with pytest.raises(PolicyDeniedError) as err:
        check_run_properties(
            settings, "churn-pipeline", defaults, {"input_uri": "s3://their-bucket/raw/x.csv"}
        )
    assert str(err.value) == (
        "run property input_uri='s3://their-bucket/raw/x.csv' would be denied on AWS: the "
        "Glue job role 'glue-wf infra deploy' creates reads objects under "
        f"s3://{settings.bucket}/data/ and s3://{settings.bucket}/glue-wf/churn-pipeline/ "
        "only, so s3:GetObject on arn:...:s3:::their-bucket/raw/x.csv would be missing. Put "
        f"the data under s3://{settings.bucket}/data/ (glue-wf upload-data FILE), or widen "
        "the ReadInputData statement of infra/template.yaml and rerun 'glue-wf infra deploy "
        "--target aws'"
    )


def test_readable_prefixes_match_the_template() -> None:
    text = (PROJECT_ROOT / "infra" / "template.yaml").read_text()
    assert 'Resource: !Sub "${ArtifactsBucket.Arn}/data/*"' in text
    assert 'Resource: !Sub "${ArtifactsBucket.Arn}/glue-wf/${WorkflowName}/*"' in text


# The parameters the template before the Notify* parameters and the exact endpoint
# config pattern took (its stacks keep them until they are redeployed).
OLD_TEMPLATE = """
Parameters:
  WorkflowName: {Type: String}
  SageMakerJobArns: {Type: CommaDelimitedList}
  SageMakerRegistryArns: {Type: CommaDelimitedList}
  SageMakerHostingArns: {Type: CommaDelimitedList}
Resources:
  Topic: {Type: AWS::SNS::Topic}
Outputs:
  GlueJobRoleArn: {Value: arn:aws:iam::123456789012:role/old-glue}
"""


def test_a_stack_of_the_previous_template_is_still_read(aws: Any, aws_settings: Any) -> None:
    head = "arn:aws:sagemaker:us-east-1:123456789012"
    aws.client("cloudformation").create_stack(
        StackName="glue-wf",
        TemplateBody=OLD_TEMPLATE,
        Parameters=[
            {"ParameterKey": "WorkflowName", "ParameterValue": "churn-pipeline"},
            {
                "ParameterKey": "SageMakerJobArns",
                "ParameterValue": f"{head}:training-job/churn-pipeline-*,"
                f"{head}:processing-job/churn-pipeline-*",
            },
            {
                "ParameterKey": "SageMakerRegistryArns",
                "ParameterValue": f"{head}:model-package-group/churn-xgb,"
                f"{head}:model-package/churn-xgb,{head}:model-package/churn-xgb/*",
            },
            {
                "ParameterKey": "SageMakerHostingArns",
                "ParameterValue": f"{head}:model/churn-pipeline-*,"
                f"{head}:endpoint-config/churn-xgb-*,{head}:endpoint/churn-xgb",
            },
        ],
    )
    from glue_workflow.infra.guard import scopes_for_run

    source = scopes_for_run(aws_settings, "churn-pipeline", CHURN)
    assert source is not None
    assert source.deployed
    # granted as that template granted: both notification statements, its config pattern
    assert (source.scopes.notify_sns, source.scopes.notify_events) == (True, True)
    assert "endpoint-config/churn-xgb-*" in source.scopes.patterns["SageMakerHostingArns"]
    check_run_properties(aws_settings, "churn-pipeline", CHURN, {"endpoint_name": "churn-xgb"})
    with pytest.raises(PolicyDeniedError, match="allows the SageMaker endpoint\\(s\\) churn-xgb"):
        check_run_properties(aws_settings, "churn-pipeline", CHURN, {"endpoint_name": "other"})
    with pytest.raises(PolicyDeniedError, match="model package group\\(s\\) churn-xgb only"):
        check_run_properties(aws_settings, "churn-pipeline", CHURN, {"model_package_group": "g"})

"""``Target``: a command's bucket and roles, from settings or the infra stack's outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from click.testing import CliRunner, Result

from glue_workflow.aws.target import Target
from glue_workflow.config import load_settings
from glue_workflow.errors import ConfigError

REGION = "us-east-1"
STACK_BUCKET = "churn-artifacts-123456789012"
NO_BUCKET = (
    "target 'aws' has no bucket (GLUE_WF_BUCKET): run 'glue-wf infra deploy' to create "
    "them (see infra/README.md), or set them in the [target.aws] table of glue-wf.toml or "
    "in the environment"
)
NO_STACK = (
    "CloudFormation stack 'glue-wf' does not exist in us-east-1: create the bucket with "
    "'glue-wf infra deploy' (see infra/README.md), or set bucket in the [target.aws] "
    "table of glue-wf.toml"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "glue-wf.toml").write_text(f'[target.aws]\nregion = "{REGION}"\n')
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    return tmp_path


@pytest.fixture
def moto_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    """In-process moto answering every client glue-wf makes."""
    from moto import mock_aws

    from glue_workflow.aws import clients

    with mock_aws():
        session = boto3.Session(region_name=REGION)
        monkeypatch.setattr(clients, "session_for", lambda _settings: session)
        yield session


def deploy_stack(session: boto3.Session) -> None:
    """A stack with the artifacts bucket output, as 'glue-wf infra deploy' leaves it."""
    template = {
        "Resources": {
            "ArtifactsBucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"BucketName": STACK_BUCKET},
            }
        },
        "Outputs": {"ArtifactsBucketName": {"Value": {"Ref": "ArtifactsBucket"}}},
    }
    cf = session.client("cloudformation")
    cf.create_stack(StackName="glue-wf", TemplateBody=json.dumps(template))


def keys(session: boto3.Session) -> dict[str, list[str]]:
    s3 = session.client("s3")
    return {
        b["Name"]: [o["Key"] for o in s3.list_objects_v2(Bucket=b["Name"]).get("Contents", [])]
        for b in s3.list_buckets()["Buckets"]
    }


def glue_wf(*args: str) -> Result:
    from glue_workflow.cli import cli

    return CliRunner().invoke(cli, list(args))


def test_local_target_has_its_bucket_without_any_call(project: Path) -> None:
    target = Target.from_settings(load_settings(project, target="local", env={}))
    assert target.is_local
    assert target.s3_uri("data/churn.csv") == "s3://glue-wf-local/data/churn.csv"


def test_no_bucket_is_an_error_naming_the_fix(project: Path) -> None:
    target = Target.from_settings(load_settings(project, target="aws", env={}))
    with pytest.raises(ConfigError) as info:
        target.s3_uri("data/churn.csv")
    assert str(info.value) == NO_BUCKET


def test_missing_deploy_resources_are_named_with_their_settings(project: Path) -> None:
    target = Target.from_settings(load_settings(project, target="aws", env={}))
    with pytest.raises(ConfigError) as info:
        target.deploy_resources()
    assert str(info.value).startswith(
        "target 'aws' has no bucket (GLUE_WF_BUCKET), glue_role_arn "
        "(GLUE_WF_GLUE_ROLE_ARN): run 'glue-wf infra deploy'"
    )


def test_a_target_without_a_sagemaker_role_deploys_a_workflow_without_sagemaker(
    project: Path,
) -> None:
    """The infra stack of a workflow without SageMaker has no SageMaker execution role:
    the compiler asks for one where a job is handed it (tests/infra/test_infra_usage.py)."""
    env = {"GLUE_WF_BUCKET": "b", "GLUE_WF_GLUE_ROLE_ARN": "arn:aws:iam::1:role/g"}
    target = Target.from_settings(load_settings(project, target="aws", env=env))
    assert target.deploy_resources() == ("b", "arn:aws:iam::1:role/g", None)


def test_sample_data_writes_to_the_stack_bucket(project: Path, moto_session: boto3.Session) -> None:
    deploy_stack(moto_session)
    result = glue_wf("sample-data", "--rows", "10", "--target", "aws", "--project", str(project))
    assert result.exit_code == 0, result.output
    uri = f"s3://{STACK_BUCKET}/data/churn.csv"
    assert result.output == f"wrote 10 rows to {uri} (aws target)\n"
    assert keys(moto_session) == {STACK_BUCKET: ["data/churn.csv"]}


def test_upload_data_writes_to_the_stack_bucket(project: Path, moto_session: boto3.Session) -> None:
    deploy_stack(moto_session)
    data = str(project / "data.csv")
    result = glue_wf("upload-data", data, "--target", "aws", "--project", str(project))
    assert result.exit_code == 0, result.output
    assert f"to s3://{STACK_BUCKET}/data/churn.csv (aws target)" in result.output
    # data.csv lands under the default input's name: said, with how to keep its own
    assert (
        "  as the workflow's default input_uri (replacing any object there), not under its "
        f"own name: to keep both, pass --to s3://{STACK_BUCKET}/data/ and run with -p "
        f"input_uri=s3://{STACK_BUCKET}/data/data.csv"
    ) in result.output
    body = moto_session.client("s3").get_object(Bucket=STACK_BUCKET, Key="data/churn.csv")
    assert body["Body"].read() == b"a,b\n1,2\n"


def test_without_stack_or_bucket_nothing_is_written(
    project: Path, moto_session: boto3.Session
) -> None:
    for command in (["sample-data"], ["upload-data", str(project / "data.csv")]):
        result = glue_wf(*command, "--target", "aws", "--project", str(project))
        assert result.exit_code == 1
        assert str(result.exception) == NO_STACK
    assert keys(moto_session) == {}


def test_a_bucket_in_the_settings_needs_no_stack(
    project: Path, moto_session: boto3.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    moto_session.client("s3").create_bucket(Bucket="my-bucket")
    monkeypatch.setenv("GLUE_WF_BUCKET", "my-bucket")
    result = glue_wf("sample-data", "--rows", "5", "--target", "aws", "--project", str(project))
    assert result.exit_code == 0, result.output
    assert keys(moto_session) == {"my-bucket": ["data/churn.csv"]}


def test_an_unknown_profile_is_a_clear_error(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    from glue_workflow.aws import clients

    settings = load_settings(project, target="aws", env={"AWS_PROFILE": "nosuch"})
    with pytest.raises(ConfigError) as caught:
        clients.session_for(settings)
    assert str(caught.value) == (
        "The config profile (nosuch) could not be found: name a profile of your AWS config "
        "(aws configure list-profiles) with --profile, AWS_PROFILE or [target.aws] profile in "
        "glue-wf.toml"
    )

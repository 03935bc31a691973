"""STS GetCallerIdentity and IAM GetRole answered by the local target."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from glue_workflow.config import LOCAL_ACCOUNT_ID


def test_get_caller_identity_is_the_local_account(local_home: Path) -> None:
    identity = boto3.client("sts").get_caller_identity()
    assert identity["Account"] == LOCAL_ACCOUNT_ID == "000000000000"
    assert identity["Arn"] == f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:root"
    assert identity["UserId"] == LOCAL_ACCOUNT_ID


def test_caller_identity_arn_follows_the_region_partition(
    local_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the local services see the process's region (glue-wf env sets it), not the client's
    monkeypatch.setenv("AWS_REGION", "cn-north-1")
    sts = boto3.client("sts", region_name="cn-north-1")
    assert sts.get_caller_identity()["Arn"].startswith("arn:aws-cn:iam::")


def test_other_sts_operations_are_not_supported(local_home: Path) -> None:
    with pytest.raises(ClientError) as caught:
        boto3.client("sts").assume_role(
            RoleArn="arn:aws:iam::000000000000:role/x", RoleSessionName="session"
        )
    assert caught.value.response["Error"]["Code"] == "NotSupportedLocally"
    assert "sts:AssumeRole is not supported by the glue-wf local target" in str(caught.value)


def test_get_role_answers_the_configured_roles(
    local_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # outside any project: the local defaults
    iam = boto3.client("iam")
    role = iam.get_role(RoleName="glue-wf-sagemaker")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/glue-wf-sagemaker"
    assert role["RoleId"].startswith("AROA")
    assert len(role["RoleId"]) == 21
    # decoded from IAM's URL-encoded JSON by botocore, as for a real answer
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
    glue = iam.get_role(RoleName="glue-wf-glue-job")["Role"]
    assert glue["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "glue.amazonaws.com"
    }


def test_get_role_follows_the_settings_overrides(
    local_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GLUE_WF_SAGEMAKER_ROLE_ARN", "arn:aws:iam::000000000000:role/ml/Trainer")
    role = boto3.client("iam").get_role(RoleName="Trainer")["Role"]
    assert role["Path"] == "/ml/"
    assert role["Arn"] == "arn:aws:iam::000000000000:role/ml/Trainer"


def test_get_role_knows_roles_of_deployed_jobs(local_home: Path) -> None:
    boto3.client("glue").create_job(
        Name="etl",
        Role="ServiceRoleForEtl",
        Command={"Name": "pythonshell", "ScriptLocation": "s3://b/s.py"},
    )
    role = boto3.client("iam").get_role(RoleName="ServiceRoleForEtl")["Role"]
    assert role["Arn"] == f"arn:aws:iam::{LOCAL_ACCOUNT_ID}:role/ServiceRoleForEtl"


def test_unknown_role_is_iams_no_such_entity(local_home: Path) -> None:
    iam = boto3.client("iam")
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_role(RoleName="nobody")
    error = caught.value.response["Error"]
    assert error["Code"] == "NoSuchEntity"
    assert error["Message"] == "The role with name nobody cannot be found."
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_other_iam_operations_are_not_supported(local_home: Path) -> None:
    with pytest.raises(ClientError, match="iam:ListRoles is not supported"):
        boto3.client("iam").list_roles()

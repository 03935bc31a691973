"""The AWS CLI (v1, its own virtualenv) against the local target, under ``glue-wf env``."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from clientenv import client_venv, glue_wf_env

pytestmark = pytest.mark.e2e


# `aws s3 ls/cp (down)/sync (down)/rm` ask botocore for raw timestamps; the local S3
# answers datetimes, which the CLI's parser refuses. Fixed with response parsing that
# honours the client's parser settings (glue_workflow/local/dispatch.py).
@pytest.fixture
def aws(local_home: Path, tmp_path: Path) -> Any:
    venv = client_venv("awscli")
    scratch = tmp_path / "cli"
    scratch.mkdir()
    env = glue_wf_env(local_home, venv, scratch)

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [str(venv / "bin" / "aws"), *args],
            env=env,
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if ok:
            assert done.returncode == 0, f"aws {' '.join(args)}: {done.stderr}"
        return done

    return run


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    return json.loads(done.stdout)


def test_glue_workflow_commands(aws: Any, tmp_path: Path) -> None:
    script = tmp_path / "hello.py"
    script.write_text("print('hello from the job')\n")
    glue = boto3.client("glue")
    glue.create_workflow(Name="cli-flow")
    glue.create_job(
        Name="cli-hello", Role="r", Command={"Name": "pythonshell", "ScriptLocation": str(script)}
    )
    glue.create_trigger(
        Name="cli-start",
        WorkflowName="cli-flow",
        Type="ON_DEMAND",
        Actions=[{"JobName": "cli-hello"}],
    )
    assert _json(aws("glue", "list-workflows"))["Workflows"] == ["cli-flow"]
    run_id = _json(aws("glue", "start-workflow-run", "--name", "cli-flow"))["RunId"]
    deadline = time.monotonic() + 60
    while True:
        run = _json(aws("glue", "get-workflow-run", "--name", "cli-flow", "--run-id", run_id))
        if run["Run"]["Status"] != "RUNNING" or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert run["Run"]["Status"] == "COMPLETED"
    assert run["Run"]["Statistics"]["SucceededActions"] == 1, run
    logs = _json(
        aws("logs", "filter-log-events", "--log-group-name", "/aws-glue/python-jobs/output")
    )
    # the local log's first line names the interpreter that ran the job (a local aid)
    messages = [e["message"] for e in logs["events"]]
    assert messages[-1] == "hello from the job"
    assert all(m.startswith("glue-wf: Python shell job under") for m in messages[:-1])


def test_s3_uploads(aws: Any, local_home: Path, tmp_path: Path) -> None:
    aws("s3", "mb", "s3://cli-bucket")
    folder = tmp_path / "cli" / "data"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.csv").write_text("1,2\n")
    (folder / "sub" / "b.csv").write_text("3,4\n")
    aws("s3", "cp", str(folder / "a.csv"), "s3://cli-bucket/one/a.csv")
    aws("s3", "sync", str(folder), "s3://cli-bucket/synced")
    aws("s3", "cp", str(folder), "s3://cli-bucket/rec", "--recursive")
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket="cli-bucket")["Contents"]]
    assert sorted(keys) == [
        "one/a.csv",
        "rec/a.csv",
        "rec/sub/b.csv",
        "synced/a.csv",
        "synced/sub/b.csv",
    ]
    assert (local_home / "s3" / "cli-bucket" / "synced" / "sub" / "b.csv").read_text() == "3,4\n"


@pytest.fixture
def bucket_with_objects(aws: Any) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="cli-read")
    s3.put_object(Bucket="cli-read", Key="p/a.csv", Body=b"1\n")
    s3.put_object(Bucket="cli-read", Key="p/q/b.csv", Body=b"2\n")


def test_s3_ls(aws: Any, bucket_with_objects: None) -> None:
    listed = aws("s3", "ls", "s3://cli-read/p/", "--recursive").stdout
    assert [line.split()[-1] for line in listed.splitlines()] == ["p/a.csv", "p/q/b.csv"]


def test_s3_downloads(aws: Any, bucket_with_objects: None, tmp_path: Path) -> None:
    aws("s3", "cp", "s3://cli-read/p/a.csv", "a.csv")
    assert (tmp_path / "cli" / "a.csv").read_text() == "1\n"
    aws("s3", "sync", "s3://cli-read/p", "copy")
    assert (tmp_path / "cli" / "copy" / "q" / "b.csv").read_text() == "2\n"


def test_s3_rm_recursive(aws: Any, bucket_with_objects: None) -> None:
    aws("s3", "rm", "s3://cli-read/p", "--recursive")
    assert "Contents" not in boto3.client("s3").list_objects_v2(Bucket="cli-read")


def test_sagemaker_registry_commands(aws: Any) -> None:
    sm = boto3.client("sagemaker")
    sm.create_model_package_group(ModelPackageGroupName="cli-churn")
    arn = sm.create_model_package(
        ModelPackageGroupName="cli-churn",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5",
                    "ModelDataUrl": "s3://cli-models/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
    )["ModelPackageArn"]
    groups = _json(aws("sagemaker", "list-model-package-groups"))
    assert [g["ModelPackageGroupName"] for g in groups["ModelPackageGroupSummaryList"]] == [
        "cli-churn"
    ]
    packages = _json(
        aws("sagemaker", "list-model-packages", "--model-package-group-name", "cli-churn")
    )
    assert [p["ModelPackageArn"] for p in packages["ModelPackageSummaryList"]] == [arn]
    aws(
        "sagemaker",
        "update-model-package",
        "--model-package-arn",
        arn,
        "--model-approval-status",
        "Approved",
    )
    described = _json(aws("sagemaker", "describe-model-package", "--model-package-name", arn))
    assert described["ModelApprovalStatus"] == "Approved"
    assert _json(aws("sagemaker", "list-training-jobs"))["TrainingJobSummaries"] == []
    missing = aws("sagemaker", "describe-training-job", "--training-job-name", "nope", ok=False)
    assert missing.returncode != 0
    assert "(ValidationException) when calling the DescribeTrainingJob operation: " in (
        missing.stderr
    )
    assert "Requested resource not found" in missing.stderr


def test_sts_iam_and_logs_commands(aws: Any) -> None:
    identity = _json(aws("sts", "get-caller-identity"))
    assert identity["Account"] == "000000000000"
    role = _json(aws("iam", "get-role", "--role-name", "glue-wf-sagemaker"))["Role"]
    assert role["Arn"] == "arn:aws:iam::000000000000:role/glue-wf-sagemaker"
    missing = aws("iam", "get-role", "--role-name", "nobody", ok=False)
    assert missing.returncode != 0
    assert (
        "An error occurred (NoSuchEntity) when calling the GetRole operation: "
        "The role with name nobody cannot be found." in missing.stderr
    )
    assert _json(aws("logs", "describe-log-groups"))["logGroups"] == []

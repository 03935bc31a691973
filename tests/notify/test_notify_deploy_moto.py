"""Deploying a workflow with notify= to AWS (moto): the notifier job and its start."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from glue_workflow.config import load_settings
from glue_workflow.definition import build_document
from glue_workflow.deploy import deployer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy"))
from motofill import ACCOUNT, MotoGlue

ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-glue-job"
BUCKET = "notify-artifacts"
DEFINITION = """
from glue_workflow.model import PythonShellJob, ToEventBridge, ToSns, Workflow

workflow = Workflow(
    name="nwf",
    nodes=(PythonShellJob(name="prep", script="jobs/prep.py"),),
    notify=[ToEventBridge(), ToSns(on=["failed"])],
    max_concurrent_runs=1,
)
"""


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    (tmp_path / "triggers").mkdir()
    (tmp_path / "jobs").mkdir()
    (tmp_path / "triggers" / "wf.py").write_text(DEFINITION)
    (tmp_path / "jobs" / "prep.py").write_text("print('prep')\n")
    (tmp_path / "glue-wf.toml").write_text(
        '[workflow]\ndefinition = "triggers/wf.py"\n[target]\ndefault = "aws"\n'
        f'[target.aws]\nregion = "us-east-1"\nstack_name = "ml"\nbucket = "{BUCKET}"\n'
        f'glue_role_arn = "{ROLE}"\nsagemaker_role_arn = "{ROLE}"\n'
    )
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket=BUCKET)
        boto3.client("iam").create_role(RoleName="glue-wf-glue-job", AssumeRolePolicyDocument="{}")
        yield tmp_path


def test_deploy_creates_the_notifier_job_started_by_the_start_trigger(project: Path) -> None:
    settings = load_settings(project)
    target = deployer.open_target(settings, session=MotoGlue().session())
    deployer.deploy(target, build_document(settings))
    glue = boto3.client("glue", region_name="us-east-1")
    job = glue.get_job(JobName="nwf-notify-verdict")["Job"]
    args = job["DefaultArguments"]
    assert job["Command"]["Name"] == "pythonshell"
    assert job["MaxCapacity"] == 0.0625
    # the infra stack's topic (<stack>-notifications) in the Glue role's account
    assert args["--notify_topic_arn"] == f"arn:aws:sns:us-east-1:{ACCOUNT}:ml-notifications"
    assert json.loads(args["--notify_targets"])[1] == {
        "type": "sns",
        "topic_arn": None,
        "on": ["failed"],
    }
    assert args["--console_url"].startswith("https://us-east-1.console.aws.amazon.com/glue/")
    start = glue.get_trigger(Name="nwf-start")["Trigger"]
    assert sorted(a["JobName"] for a in start["Actions"]) == ["nwf-notify-verdict", "nwf-prep"]
    script = job["Command"]["ScriptLocation"]
    key = script.removeprefix(f"s3://{BUCKET}/")
    body = boto3.client("s3").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert b"wait_settled" in body  # the packaged notifier script was uploaded

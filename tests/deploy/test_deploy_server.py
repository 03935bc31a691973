"""The real ``glue-wf`` console script in a subprocess, deploying the shipped workflow to
a ThreadedMotoServer on 127.0.0.1 through ``AWS_ENDPOINT_URL`` (no code change).

Only operations moto implements are exercised here (create / read / delete), so no
gap-filling hook is needed in the child process: deploy → plan empty → destroy.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from glue_workflow.document import OWNER_TAG

pytestmark = pytest.mark.server

PROJECT = Path(__file__).resolve().parents[2]
ACCOUNT = "123456789012"
BUCKET = "server-artifacts"
GLUE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-glue-job"
SM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/glue-wf-sagemaker"


@pytest.fixture
def endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def client(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        config=Config(retries={"total_max_attempts": 1}))  # fmt: skip


def glue_wf(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith(("AWS_", "GLUE_WF_"))
    }  # fmt: skip
    env.update(
        AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1", AWS_REGION="us-east-1", GLUE_WF_TARGET="aws",
        GLUE_WF_BUCKET=BUCKET, GLUE_WF_GLUE_ROLE_ARN=GLUE_ROLE,
        GLUE_WF_SAGEMAKER_ROLE_ARN=SM_ROLE,
        AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )  # fmt: skip
    script = Path(sys.executable).parent / "glue-wf"
    return subprocess.run([str(script), *args, "--project", str(PROJECT)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def test_cli_subprocess_against_moto_server(endpoint: str) -> None:
    client("s3", endpoint).create_bucket(Bucket=BUCKET)
    iam = client("iam", endpoint)
    for arn in (GLUE_ROLE, SM_ROLE):
        iam.create_role(RoleName=arn.rsplit("/", 1)[1], AssumeRolePolicyDocument="{}")
    glue = client("glue", endpoint)
    glue.create_job(Name="foreign-job", Role=GLUE_ROLE,
                    Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"})  # fmt: skip

    deployed = glue_wf(endpoint, "deploy")
    assert deployed.returncode == 0, deployed.stderr
    assert "deployed workflow churn-pipeline" in deployed.stdout
    owned = glue.list_jobs(Tags={OWNER_TAG: "churn-pipeline"})["JobNames"]
    assert "churn-pipeline-train" in owned
    assert glue.get_workflow_runs(Name="churn-pipeline")["Runs"] == []  # deploy never runs
    start = glue.get_trigger(Name="churn-pipeline-start")["Trigger"]
    assert (start["Type"], start["State"]) == ("ON_DEMAND", "CREATED")

    planned = glue_wf(endpoint, "plan", "--json")
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout) == []

    destroyed = glue_wf(endpoint, "destroy", "--yes")
    assert destroyed.returncode == 0, destroyed.stderr
    assert glue.list_jobs(Tags={OWNER_TAG: "churn-pipeline"})["JobNames"] == []
    assert glue.list_triggers(Tags={OWNER_TAG: "churn-pipeline"})["TriggerNames"] == []
    assert glue.list_jobs()["JobNames"] == ["foreign-job"]
    assert client("s3", endpoint).head_bucket(Bucket=BUCKET)

"""A user script on the SageMaker Python SDK v2, in a virtualenv that has only the SDK,
against the local target under ``glue-wf env``; no request leaves the machine."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
from clientenv import client_venv, glue_wf_env

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

SCRIPTS = Path(__file__).resolve().parent / "scripts"
ROLE_ARN = "arn:aws:iam::000000000000:role/glue-wf-sagemaker"


@pytest.fixture
def sdk(local_home: Path, tmp_path: Path) -> Any:
    venv = client_venv("sdk")
    scratch = tmp_path / "user"
    scratch.mkdir()
    env = glue_wf_env(local_home, venv, scratch)

    def run(script: str, *args: str) -> dict[str, Any]:
        done = subprocess.run(
            [str(venv / "bin" / "python"), str(SCRIPTS / script), *args],
            env=env,
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))

    yield run
    from glue_workflow.local.sagemaker import procs
    from glue_workflow.local.sagemaker.common import Resources
    from glue_workflow.local.store import LocalHome

    resources = Resources(LocalHome(local_home))
    for kind in ("endpoint", "training-job"):  # never leave a worker or server behind
        for record in resources.all(kind):
            server = record.get("_server") or {}
            procs.terminate(server.get("pid"), server.get("token"), grace=2)
            procs.terminate(record.get("_pid"), record.get("_token"), grace=2)


def test_sdk_session_default_bucket_upload_and_image(sdk: Any, local_home: Path) -> None:
    out = sdk("sdk_session.py", "glue-wf-sagemaker")
    # Session.default_bucket() names the bucket from STS GetCallerIdentity's account
    assert out["account"] == "000000000000"
    assert out["bucket"] == "sagemaker-us-east-1-000000000000"
    assert out["uploaded"] == "s3://sagemaker-us-east-1-000000000000/sdk/in/data.csv"
    assert out["downloaded"] == "1,0.5,0.25\n"
    assert (local_home / "s3" / out["bucket"] / "sdk" / "in" / "data.csv").is_file()
    # from the SDK's bundled JSON, offline: the image the local training accepts
    assert out["image"] == "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
    assert out["role"] == ROLE_ARN
    assert out["groups"] == []


def test_sdk_estimator_fit_deploy_predict_delete(sdk: Any) -> None:
    out = sdk("sdk_xgboost.py", ROLE_ARN)
    assert out["model_data"].startswith(
        f"s3://{out['bucket']}/sdk-demo/output/{out['job']}/output/model.tar.gz"
    )
    assert out["high"] > 0.5 > out["low"]
    sm = boto3.client("sagemaker")
    assert sm.list_endpoints()["Endpoints"] == []
    assert sm.describe_training_job(TrainingJobName=out["job"])["TrainingJobStatus"] == (
        "Completed"
    )

"""Processing jobs: script from S3, inputs/outputs mapped to /opt/ml/processing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError
from sm_helpers import BUCKET, IMAGE, ROLE, put

pytestmark = pytest.mark.slow
BASE = "/opt/ml/processing"

SCRIPT = b"""
import argparse, json, os, sys
from pathlib import Path
import pandas, sklearn, xgboost  # what the XGBoost container provides
parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", type=Path)
parser.add_argument("--out", type=Path)
parser.add_argument("--fail", default="")
args = parser.parse_args()
if args.fail:
    print("evaluation crashed: " + args.fail, file=sys.stderr)
    sys.exit(3)
rows = sum(len(p.read_text().splitlines()) for p in sorted(args.data_dir.rglob("*.csv")))
(args.out / "metrics.json").write_text(json.dumps({
    "rows": rows, "data_dir": str(args.data_dir), "xgboost": xgboost.__version__,
    "env": os.environ.get("MY_SETTING")}))
"""


def _request(name: str, *extra: str) -> dict[str, Any]:
    return {
        "ProcessingJobName": name,
        "RoleArn": ROLE,
        "AppSpecification": {
            "ImageUri": IMAGE,
            "ContainerEntrypoint": ["python3", f"{BASE}/input/code/script.py"],
            "ContainerArguments": ["--data-dir", f"{BASE}/data", f"--out={BASE}/out", *extra],
        },
        "ProcessingInputs": [
            {
                "InputName": "code",
                "S3Input": {
                    "S3Uri": f"s3://{BUCKET}/proc/code/script.py",
                    "LocalPath": f"{BASE}/input/code",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            },
            {
                "InputName": "data",
                "S3Input": {
                    "S3Uri": f"s3://{BUCKET}/proc/data/",
                    "LocalPath": f"{BASE}/data",
                    "S3DataType": "S3Prefix",
                    "S3InputMode": "File",
                },
            },
        ],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "out",
                    "S3Output": {
                        "S3Uri": f"s3://{BUCKET}/proc/results/{name}",
                        "LocalPath": f"{BASE}/out",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 5,
            }
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": 300},
        "Environment": {"MY_SETTING": "on"},
    }


def _wait(sm: Any, name: str) -> dict[str, Any]:
    try:
        sm.get_waiter("processing_job_completed_or_stopped").wait(
            ProcessingJobName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 300}
        )
    except WaiterError as exc:  # the stock waiter raises on Failed
        if "terminal failure state" not in str(exc):
            raise
    result: dict[str, Any] = sm.describe_processing_job(ProcessingJobName=name)
    return result


def test_processing_success_and_failure(sm: Any, sm_home: Path) -> None:
    put(sm_home, "proc/code/script.py", SCRIPT)
    put(sm_home, "proc/data/a.csv", b"1,2\n3,4\n")
    put(sm_home, "proc/data/nested/b.csv", b"5,6\n")
    sm.create_processing_job(**_request("proc-ok"))
    sm.create_processing_job(**_request("proc-fail", "--fail", "boom"))
    ok = _wait(sm, "proc-ok")
    assert ok["ProcessingJobStatus"] == "Completed", ok.get("FailureReason")
    metrics = json.loads(
        (sm_home / "s3" / BUCKET / "proc/results/proc-ok/metrics.json").read_text()
    )
    assert metrics["rows"] == 3
    assert metrics["env"] == "on"
    assert metrics["xgboost"] == "3.0.5"
    assert metrics["data_dir"].endswith("/proc-ok/opt/ml/processing/data")  # rewritten path
    failed = _wait(sm, "proc-fail")
    assert failed["ProcessingJobStatus"] == "Failed"
    assert failed["FailureReason"].startswith("AlgorithmError: script exited with code 3: ")
    assert "evaluation crashed: boom" in failed["FailureReason"]
    assert not (sm_home / "s3" / BUCKET / "proc/results/proc-fail").exists()
    with pytest.raises(ClientError) as dup:
        sm.create_processing_job(**_request("proc-ok"))
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"
    listed = sm.list_processing_jobs(NameContains="proc-", SortBy="Name", SortOrder="Ascending")[
        "ProcessingJobSummaries"
    ]
    assert [(j["ProcessingJobName"], j["ProcessingJobStatus"]) for j in listed] == [
        ("proc-fail", "Failed"),
        ("proc-ok", "Completed"),
    ]


def test_processing_request_checks(sm: Any) -> None:
    request = _request("proc-bad-path")
    request["ProcessingInputs"][1]["S3Input"]["LocalPath"] = "/tmp/data"
    with pytest.raises(
        ClientError, match="LocalPath '/tmp/data' must be under /opt/ml/processing/"
    ):
        sm.create_processing_job(**request)
    request = _request("proc-no-entry")
    del request["AppSpecification"]["ContainerEntrypoint"]
    with pytest.raises(ClientError, match="ContainerEntrypoint is required"):
        sm.create_processing_job(**request)
    with pytest.raises(ClientError, match="Could not find requested job with name nope"):
        sm.describe_processing_job(ProcessingJobName="nope")

"""Fixtures of the local SageMaker tests: one state directory per session, churn data
in its S3 stand-in, one trained model shared by the endpoint tests, and a teardown
that stops every endpoint server the tests started (no leaked processes)."""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest


CHURN_CSV = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "churn_processed.csv"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
BUCKET = "sm-test"
ROWS = 1500


def churn_frame() -> Any:
    """The churn data as the algorithm wants it: numeric, label (0/1) first, no header."""
    import pandas as pd

    frame = pd.read_csv(CHURN_CSV).head(ROWS)
    label = frame.pop("Churn").map({True: 1, False: 0, "True": 1, "False": 0}).astype(int)
    for column in ("Int_l_Plan", "VMail_Plan"):
        frame[column] = (frame[column] == "yes").astype(int)
    features = frame.select_dtypes("number").drop(columns=["customerID"])
    return pd.concat([label.rename("label"), features], axis=1)


def put(home: Path, key: str, data: bytes) -> str:
    path = home / "s3" / BUCKET / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return f"s3://{BUCKET}/{key}"


def channel(name: str, uri: str, content_type: str = "text/csv") -> dict[str, Any]:
    return {
        "ChannelName": name,
        "ContentType": content_type,
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}},
    }


def training_request(name: str, channels: list[dict[str, Any]],
                     hyper: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "HyperParameters": hyper if hyper is not None else {
            "num_round": "30", "objective": "binary:logistic", "max_depth": "4", "eta": "0.3",
            "eval_metric": "auc,logloss",
        },
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1,
                           "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def wait_training(sm: Any, name: str, timeout: float = 60) -> dict[str, Any]:
    sm.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": int(timeout / 0.2)}
    )
    result: dict[str, Any] = sm.describe_training_job(TrainingJobName=name)
    return result


def tar_gz(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="session")
def sm_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    from glue_workflow.local import install, uninstall

    if not CHURN_CSV.is_file():
        pytest.skip(f"shared dataset missing: {CHURN_CSV}")
    home = tmp_path_factory.mktemp("sm") / "home"
    install(home)
    frame = churn_frame()
    cut = int(len(frame) * 0.8)
    put(home, "data/train/part-00000.csv",
        frame.iloc[:cut].to_csv(header=False, index=False).encode())
    put(home, "data/train/_SUCCESS", b"")
    put(home, "data/validation/part-00000.csv",
        frame.iloc[cut:].to_csv(header=False, index=False).encode())
    try:
        yield home
    finally:
        _stop_all_servers(home)
        uninstall()


def _stop_all_servers(home: Path) -> None:
    from glue_workflow.local.sagemaker import procs
    from glue_workflow.local.sagemaker.common import Resources
    from glue_workflow.local.store import LocalHome

    resources = Resources(LocalHome(home))
    for kind in ("endpoint", "training-job", "processing-job"):
        for record in resources.all(kind):
            server = record.get("_server") or {}
            procs.terminate(server.get("pid"), server.get("token"), grace=2)
            procs.terminate(record.get("_pid"), record.get("_token"), grace=2)
    # Servers replaced by blue/green updates are stopped by the update itself; any
    # server directory left means a process the records no longer name: stop by pid.
    for ready in (home / "work" / "sagemaker" / "endpoints").glob("*/*/ready.json"):
        import json
        import os
        import signal

        pid = json.loads(ready.read_text())["pid"]
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if str(ready).encode() in cmdline:
            os.kill(pid, signal.SIGTERM)


@pytest.fixture
def sm(sm_home: Path) -> Any:
    return boto3.client("sagemaker", region_name="us-east-1")


@pytest.fixture
def runtime(sm_home: Path) -> Any:
    return boto3.client("sagemaker-runtime", region_name="us-east-1")


@pytest.fixture(scope="session")
def trained(sm_home: Path) -> dict[str, Any]:
    """One completed training job on the churn slice (shared; ~3 s)."""
    sm = boto3.client("sagemaker", region_name="us-east-1", aws_access_key_id="x",
                      aws_secret_access_key="x")
    request = training_request("churn-train-shared", [
        channel("train", f"s3://{BUCKET}/data/train/"),
        channel("validation", f"s3://{BUCKET}/data/validation/"),
    ])
    sm.create_training_job(**request)
    started = time.monotonic()
    job = wait_training(sm, "churn-train-shared")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    job["_elapsed"] = time.monotonic() - started
    return job

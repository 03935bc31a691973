"""Helpers shared by the local SageMaker tests (constants, data, requests)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path
from typing import Any

from churndata import CHURN_CSV

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


def training_request(
    name: str, channels: list[dict[str, Any]], hyper: dict[str, str] | None = None
) -> dict[str, Any]:
    return {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "HyperParameters": hyper
        if hyper is not None
        else {
            "num_round": "30",
            "objective": "binary:logistic",
            "max_depth": "4",
            "eta": "0.3",
            "eval_metric": "auc,logloss",
        },
        "InputDataConfig": channels,
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/models"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def wait_training(sm: Any, name: str, timeout: float = 60) -> dict[str, Any]:
    from botocore.exceptions import WaiterError

    try:  # the stock waiter: succeeds on Completed or Stopped, raises on Failed
        sm.get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": int(timeout / 0.2)}
        )
    except WaiterError as exc:
        if "terminal failure state" not in str(exc):
            raise
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

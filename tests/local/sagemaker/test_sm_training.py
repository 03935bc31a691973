"""Training jobs with the built-in XGBoost contract, run by real background processes."""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sm_helpers import BUCKET, channel, churn_frame, put, training_request, wait_training

pytestmark = pytest.mark.slow

TRAIN = channel("train", f"s3://{BUCKET}/data/train/")
VALID = channel("validation", f"s3://{BUCKET}/data/validation/")


def test_completed_job_reports_like_sagemaker(sm: Any, trained: dict[str, Any]) -> None:
    job = sm.describe_training_job(TrainingJobName="churn-train-shared")
    assert job["TrainingJobStatus"] == "Completed"
    assert job["SecondaryStatus"] == "Completed"
    assert [t["Status"] for t in job["SecondaryStatusTransitions"]] == [
        "Starting",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]
    assert job["TrainingStartTime"] <= job["TrainingEndTime"]
    names = {m["MetricName"] for m in job["FinalMetricDataList"]}
    assert names == {"train:auc", "train:logloss", "validation:auc", "validation:logloss"}
    auc = next(
        m["Value"] for m in job["FinalMetricDataList"] if m["MetricName"] == "validation:auc"
    )
    assert 0.8 < auc <= 1.0
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == (
        f"s3://{BUCKET}/models/churn-train-shared/output/model.tar.gz"
    )
    summaries = sm.list_training_jobs(NameContains="churn-train-shared")["TrainingJobSummaries"]
    assert summaries[0]["TrainingJobStatus"] == "Completed"


def test_artifact_loads_in_a_separate_process_with_same_predictions(
    sm_home: Path, trained: dict[str, Any], tmp_path: Path
) -> None:
    import numpy as np
    import xgboost as xgb

    archive = sm_home / "s3" / BUCKET / "models/churn-train-shared/output/model.tar.gz"
    with tarfile.open(archive) as tar:
        assert tar.getnames() == ["xgboost-model"]
        tar.extractall(tmp_path, filter="data")
    features = churn_frame().iloc[-20:, 1:].to_numpy(dtype=np.float32)
    np.save(tmp_path / "x.npy", features)
    script = (
        "import sys, json, numpy as np, xgboost as xgb\n"
        "b = xgb.Booster(); b.load_model(sys.argv[1])\n"
        "print(json.dumps(b.predict(xgb.DMatrix(np.load(sys.argv[2]))).tolist()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "xgboost-model"), str(tmp_path / "x.npy")],
        capture_output=True,
        text=True,
        check=True,
    )
    theirs = np.array(json.loads(out.stdout))
    booster = xgb.Booster()
    booster.load_model(str(tmp_path / "xgboost-model"))
    ours = booster.predict(xgb.DMatrix(features))
    assert np.allclose(theirs, ours)
    assert ((theirs > 0) & (theirs < 1)).all()


def test_bad_inputs_fail_the_job_with_the_reason(sm: Any, sm_home: Path) -> None:
    put(sm_home, "bad/csv/part-0.csv", b"1,2.0,3.0\n0,abc,4.0\n")
    put(sm_home, "bad/ragged/part-0.csv", b"1,2.0,3.0\n0,1.0,4.0,5.0\n")
    cases = {  # all jobs run at once: each is its own background process
        "bad-csv": ([channel("train", f"s3://{BUCKET}/bad/csv/")], None),
        "bad-ragged": ([channel("train", f"s3://{BUCKET}/bad/ragged/")], None),
        "bad-channel": ([VALID], None),
        "bad-empty": ([channel("train", f"s3://{BUCKET}/nothing/here/")], None),
        "bad-hyper": ([TRAIN], {"num_round": "10", "eta": "2"}),
    }
    for name, (channels, hyper) in cases.items():
        sm.create_training_job(**training_request(name, channels, hyper))
    reasons = {}
    for name in cases:
        job = wait_training(sm, name)
        assert job["TrainingJobStatus"] == "Failed"
        assert job["SecondaryStatusTransitions"][-1]["Status"] == "Failed"
        reasons[name] = job["FailureReason"]
    assert reasons["bad-csv"].startswith(
        f"ClientError: Channel 'train': malformed CSV in s3://{BUCKET}/bad/csv/part-0.csv"
    )
    assert "label first, no header" in reasons["bad-csv"]
    assert "Expected 3 fields in line 2, saw 4" in reasons["bad-ragged"]
    assert reasons["bad-channel"] == (
        "ClientError: Channel 'train' is required (InputDataConfig names no channel 'train')"
    )
    assert reasons["bad-empty"].startswith(
        f"ClientError: Channel 'train': no data found under s3://{BUCKET}"
    )
    assert reasons["bad-hyper"] == "ClientError: Hyperparameter eta: value 2 not in range [0, 1]"


def test_duplicate_name_and_bad_requests(sm: Any, trained: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as dup:
        sm.create_training_job(**training_request("churn-train-shared", [TRAIN]))
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"
    request = training_request("bad-image", [TRAIN])
    request["AlgorithmSpecification"]["TrainingImage"] = "python:3.11"
    with pytest.raises(ClientError, match="is not supported by the glue-wf local target"):
        sm.create_training_job(**request)
    with pytest.raises(ClientError, match="Could not find training job 'nope'"):
        sm.describe_training_job(TrainingJobName="nope")


def test_libsvm_channel_and_stop(sm: Any, sm_home: Path) -> None:
    rows = churn_frame().to_numpy()
    lines = [f"{int(r[0])} " + " ".join(f"{i}:{v}" for i, v in enumerate(r[1:]) if v) for r in rows]
    put(sm_home, "libsvm/train/data.libsvm", ("\n".join(lines) + "\n").encode())
    libsvm = channel("train", f"s3://{BUCKET}/libsvm/train/", "text/libsvm")
    sm.create_training_job(
        **training_request(
            "libsvm-job", [libsvm], {"num_round": "5", "objective": "binary:logistic"}
        )
    )
    sm.create_training_job(
        **training_request(
            "stop-job", [libsvm], {"num_round": "100000", "objective": "binary:logistic"}
        )
    )
    sm.stop_training_job(TrainingJobName="stop-job")
    slow = training_request(
        "maxrt-job", [libsvm], {"num_round": "100000", "objective": "binary:logistic"}
    )
    slow["StoppingCondition"] = {"MaxRuntimeInSeconds": 1}
    sm.create_training_job(**slow)
    assert wait_training(sm, "libsvm-job")["TrainingJobStatus"] == "Completed"
    timed_out = wait_training(sm, "maxrt-job")
    assert (timed_out["TrainingJobStatus"], timed_out["SecondaryStatus"]) == (
        "Stopped",
        "MaxRuntimeExceeded",
    )
    job = wait_training(sm, "stop-job")
    assert job["TrainingJobStatus"] == "Stopped"
    assert "ModelArtifacts" not in job
    with pytest.raises(ClientError, match="in status Stopped"):
        sm.stop_training_job(TrainingJobName="stop-job")

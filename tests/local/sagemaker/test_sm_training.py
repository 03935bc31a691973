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


def test_bad_inputs_fail_the_job_with_the_containers_reason(sm: Any, sm_home: Path) -> None:
    good = churn_frame().head(50).to_csv(header=False, index=False).encode()
    put(sm_home, "bad/success/part-00000.csv", good)
    put(sm_home, "bad/success/_SUCCESS", b"")
    put(sm_home, "bad/hidden/part-00000.csv", good)
    put(sm_home, "bad/hidden/.part-00000.csv.crc", b"crc")
    put(sm_home, "bad/empty/part-00000.csv", good)
    put(sm_home, "bad/empty/part-00001.csv", b"")
    put(sm_home, "ok/header/part-00000.csv", b"churn,calls,minutes\n" + good)
    cases = {  # all jobs run at once: each is its own background process
        "bad-success": ([channel("train", f"s3://{BUCKET}/bad/success/")], None),
        "bad-hidden": ([channel("train", f"s3://{BUCKET}/bad/hidden/")], None),
        "bad-empty-file": ([channel("train", f"s3://{BUCKET}/bad/empty/")], None),
        "bad-channel": ([VALID], None),
        "bad-extra": ([TRAIN, channel("test", f"s3://{BUCKET}/data/train/")], None),
        "bad-type": (
            [channel("train", f"s3://{BUCKET}/data/train/", "text/csv;label_size=1")],
            None,
        ),
        "bad-hyper": ([TRAIN], {"num_round": "10", "eta": "2"}),
        "ok-header": ([channel("train", f"s3://{BUCKET}/ok/header/")], None),
    }
    for name, (channels, hyper) in cases.items():
        sm.create_training_job(**training_request(name, channels, hyper))
    reasons = {}
    for name in cases:
        job = wait_training(sm, name)
        reasons[name] = job.get("FailureReason")
    no_delimiter = (
        "ClientError: Could not determine delimiter on line :\nCould not determine delimiter"
    )
    assert reasons["bad-success"] == no_delimiter
    assert reasons["bad-empty-file"] == no_delimiter
    assert reasons["bad-hidden"] == (
        "ClientError: Hidden file found in the data path! Remove that before training."
    )
    assert reasons["bad-channel"] == "ClientError: Missing required channel: train"
    assert reasons["bad-extra"] == "ClientError: Extraneous channel found: test"
    assert reasons["bad-type"].startswith(
        "ClientError: Channel configuration for 'train' channel is not supported: "
        "{'ContentType': 'text/csv;label_size=1'"
    )
    assert reasons["bad-hyper"] == "ClientError: Hyperparameter eta: value 2 not in range [0, 1]"
    # A header row is read as a data row by the container: the job trains, the log warns.
    assert reasons["ok-header"] is None
    assert sm.describe_training_job(TrainingJobName="ok-header")["TrainingJobStatus"] == "Completed"
    log = (sm_home / "logs" / "sagemaker" / "TrainingJobs" / "ok-header.log").read_text()
    assert "Train matrix has 51 rows" in log
    assert "is not numeric. The XGBoost container reads it as a data row" in log


def test_prefix_without_objects_is_refused_at_create(sm: Any) -> None:
    request = training_request("no-data", [channel("train", f"s3://{BUCKET}/nothing/here/")])
    with pytest.raises(ClientError) as caught:
        sm.create_training_job(**request)
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"] == (
        f'No S3 objects found under S3 URL "s3://{BUCKET}/nothing/here/" given in input data '
        "source. Please ensure that the bucket exists in the selected region (us-east-1), that "
        f'objects exist under that S3 prefix, and that the role "{request["RoleArn"]}" has '
        f'"s3:ListBucket" permissions on bucket "{BUCKET}".'
    )


def test_duplicate_name_and_bad_requests(sm: Any, trained: dict[str, Any]) -> None:
    with pytest.raises(ClientError) as dup:
        sm.create_training_job(**training_request("churn-train-shared", [TRAIN]))
    assert dup.value.response["Error"]["Code"] == "ResourceInUse"
    request = training_request("bad-image", [TRAIN])
    request["AlgorithmSpecification"]["TrainingImage"] = "python:3.11"
    with pytest.raises(ClientError, match="is not supported by the glue-wf local target"):
        sm.create_training_job(**request)
    with pytest.raises(ClientError) as missing:
        sm.describe_training_job(TrainingJobName="nope")
    # AWS's exact answer (docs/aws-parity.md), which the train job must recognise
    assert missing.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Requested resource not found.",
    }


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

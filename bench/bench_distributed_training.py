"""Distributed training: a local training job on 1 vs 2 instances, time and test AUC.

    .venv/bin/python bench/bench_distributed_training.py [--rows 1000000] [--rounds 50]

Generated binary data (8 features, a non-linear decision boundary, label noise) is
written as 4 CSV objects; the 1-instance job reads them all (FullyReplicated), the
2-instance job shards them (ShardedByS3Key: 2 objects per host) and trains through
XGBoost's collective. Time is ``TrainingEndTime - TrainingStartTime``; AUC is on a
held-out test set scored with each job's model. On one machine the hosts share its
cores, so expect no speed-up: the figures show the cost of the collective and that
the model quality holds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
FEATURES = 8


def _write(home: Path, rows: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(11)
    total = int(rows * 1.2)
    x = rng.normal(size=(total, FEATURES)).astype(np.float32)
    logit = x[:, 0] * 1.5 - x[:, 1] + 0.8 * x[:, 2] * x[:, 3] + rng.normal(scale=0.5, size=total)
    frame = pd.concat([pd.Series((logit > 0).astype(int)), pd.DataFrame(x)], axis=1)
    train, valid, test = (
        frame.iloc[:rows],
        frame.iloc[rows : rows + rows // 10],
        frame.iloc[-rows // 10 :],
    )
    for i, part in enumerate(np.array_split(train, 4)):
        path = home / "s3" / "bench" / "train" / f"part-{i:05d}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        part.to_csv(path, header=False, index=False)
    path = home / "s3" / "bench" / "validation" / "part-00000.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    valid.to_csv(path, header=False, index=False)
    return test.to_numpy()


def _job(sm: Any, name: str, count: int, rounds: int) -> dict[str, Any]:
    def channel(ch: str, sharded: bool) -> dict[str, Any]:
        kind = "ShardedByS3Key" if sharded else "FullyReplicated"
        source = {"S3DataType": "S3Prefix", "S3Uri": f"s3://bench/{ch}/"}
        return {
            "ChannelName": ch,
            "ContentType": "text/csv",
            "DataSource": {"S3DataSource": {**source, "S3DataDistributionType": kind}},
        }

    sm.create_training_job(
        TrainingJobName=name,
        RoleArn="arn:aws:iam::123456789012:role/bench",
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        HyperParameters={
            "num_round": str(rounds),
            "max_depth": "6",
            "eta": "0.2",
            "objective": "binary:logistic",
            "eval_metric": "auc",
        },
        InputDataConfig=[channel("train", count > 1), channel("validation", False)],
        OutputDataConfig={"S3OutputPath": "s3://bench/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": count, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 7200},
    )
    while True:
        job: dict[str, Any] = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] not in ("InProgress", "Stopping"):
            break
        time.sleep(0.5)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return job


def _auc(home: Path, job: dict[str, Any], test: Any, scratch: Path) -> float:
    import xgboost as xgb
    from sklearn.metrics import roc_auc_score

    key = job["ModelArtifacts"]["S3ModelArtifacts"].removeprefix("s3://bench/")
    target = scratch / job["TrainingJobName"]
    with tarfile.open(home / "s3" / "bench" / key) as tar:
        tar.extractall(target, filter="data")
    booster = xgb.Booster(model_file=str(target / "xgboost-model"))
    return float(roc_auc_score(test[:, 0], booster.predict(xgb.DMatrix(test[:, 1:]))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    import boto3

    from glue_workflow.local import install

    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        install(home)
        test = _write(home, args.rows)
        sm = boto3.client(
            "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        print(
            f"{args.rows} training rows x {FEATURES} features in 4 objects, {args.rounds} rounds; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n"
        )
        print("| instances | seconds | rows/s | test AUC |")
        print("|---:|---:|---:|---:|")
        for count in (1, 2):
            job = _job(sm, f"bench-{count}", count, args.rounds)
            seconds = (job["TrainingEndTime"] - job["TrainingStartTime"]).total_seconds()
            auc = _auc(home, job, test, Path(scratch))
            print(f"| {count} | {seconds:.1f} | {args.rows / seconds:,.0f} | {auc:.4f} |")
        print(f"\nload average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

"""Training overhead: a local SageMaker training job vs ``xgboost.train``, same run.

    .venv/bin/python bench/bench_training.py [--copies 4] [--rounds 100] [--repeat 3]

The churn data (label first, no header; ``--copies`` times over, for a measurable
run) is written to a local target's S3 stand-in and trained with the built-in
XGBoost contract through boto3 (``CreateTrainingJob``). Its time is
``TrainingEndTime - TrainingStartTime``: reading the channels, training, writing
and uploading ``model.tar.gz`` and recording status, without the process start
(interpreter and library imports). The reference does the same work in this
process: ``pandas.read_csv`` → ``DMatrix`` → ``xgboost.train`` (same parameters,
same eval sets) → ``save_model`` → tar.gz. Median of ``--repeat`` interleaved runs
each; ``nthread`` 1 by default.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHURN = ROOT.parent / "shared" / "data" / "churn_processed.csv"
IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"


def _data(copies: int) -> tuple[str, str]:
    import pandas as pd

    frame = pd.read_csv(CHURN)
    label = frame.pop("Churn").astype(int)
    for column in ("Int_l_Plan", "VMail_Plan"):
        frame[column] = (frame[column] == "yes").astype(int)
    data = pd.concat([label, frame.select_dtypes("number").drop(columns=["customerID"])], axis=1)
    data = pd.concat([data] * copies, ignore_index=True)
    cut = int(len(data) * 0.8)
    return (
        data.iloc[:cut].to_csv(header=False, index=False),
        data.iloc[cut:].to_csv(header=False, index=False),
    )


def _reference(
    train: Path, valid: Path, params: dict[str, object], rounds: int, out: Path
) -> float:
    import numpy as np
    import pandas as pd
    import xgboost as xgb

    start = time.perf_counter()
    matrices = []
    for path in (train, valid):
        values = pd.read_csv(path, header=None, dtype=np.float32).to_numpy()
        matrices.append(xgb.DMatrix(values[:, 1:], label=values[:, 0], nthread=-1))
    booster = xgb.train(
        params,
        matrices[0],
        num_boost_round=rounds,
        evals=[(matrices[0], "train"), (matrices[1], "validation")],
        verbose_eval=False,
    )
    booster.save_model(str(out / "xgboost-model.ubj"))
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(out / "xgboost-model.ubj", arcname="xgboost-model")
    (out / "model.tar.gz").write_bytes(buffer.getvalue())
    return time.perf_counter() - start


def _reference_process(train: Path, valid: Path, params: dict, rounds: int, out: Path) -> float:
    """The reference in a new process: interpreter start + imports + the same work."""
    import json
    import subprocess

    code = (
        "import json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
        "from bench_training import _reference; "
        "_reference(Path(sys.argv[2]), Path(sys.argv[3]), json.loads(sys.argv[4]), "
        "int(sys.argv[5]), Path(sys.argv[6]))"
    )
    argv = [str(Path(__file__).parent), str(train), str(valid), json.dumps(params)]
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code, *argv, str(rounds), str(out)], check=True, timeout=600
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--nthread",
        type=int,
        default=1,
        help="xgboost threads for both (1: steadier on a shared machine)",
    )
    args = parser.parse_args()
    import boto3

    from glue_workflow.local import install

    train_csv, valid_csv = _data(args.copies)
    hyper = {
        "num_round": str(args.rounds),
        "max_depth": "5",
        "eta": "0.2",
        "objective": "binary:logistic",
        "eval_metric": "auc,logloss",
        "nthread": str(args.nthread),
    }
    params = {
        "max_depth": 5,
        "eta": 0.2,
        "objective": "binary:logistic",
        "eval_metric": ["auc", "logloss"],
        "nthread": args.nthread,
    }
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "home"
        install(home)
        for name, text in (("train", train_csv), ("validation", valid_csv)):
            path = home / "s3" / "bench" / name / "part-0.csv"
            path.parent.mkdir(parents=True)
            path.write_text(text)
        sm = boto3.client(
            "sagemaker", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        local, wall, reference, reference_wall = [], [], [], []
        for i in range(args.repeat):
            name = f"bench-{i}"
            started = time.perf_counter()
            sm.create_training_job(
                TrainingJobName=name,
                RoleArn="arn:aws:iam::123456789012:role/bench",
                AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
                HyperParameters=hyper,
                InputDataConfig=[
                    {
                        "ChannelName": ch,
                        "ContentType": "text/csv",
                        "DataSource": {
                            "S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://bench/{ch}/"}
                        },
                    }
                    for ch in ("train", "validation")
                ],
                OutputDataConfig={"S3OutputPath": "s3://bench/out"},
                ResourceConfig={
                    "InstanceType": "ml.m5.large",
                    "InstanceCount": 1,
                    "VolumeSizeInGB": 5,
                },
                StoppingCondition={"MaxRuntimeInSeconds": 3600},
            )
            while True:
                job = sm.describe_training_job(TrainingJobName=name)
                if job["TrainingJobStatus"] not in ("InProgress", "Stopping"):
                    break
                time.sleep(0.05)
            wall.append(time.perf_counter() - started)
            assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
            local.append((job["TrainingEndTime"] - job["TrainingStartTime"]).total_seconds())
            out = Path(scratch) / f"ref-{i}"
            out.mkdir()
            process_out = Path(scratch) / f"ref-process-{i}"
            process_out.mkdir()
            reference_wall.append(
                _reference_process(
                    home / "s3/bench/train/part-0.csv",
                    home / "s3/bench/validation/part-0.csv",
                    params,
                    args.rounds,
                    process_out,
                )
            )
            reference.append(
                _reference(
                    home / "s3/bench/train/part-0.csv",
                    home / "s3/bench/validation/part-0.csv",
                    params,
                    args.rounds,
                    out,
                )
            )
    rows = len(train_csv.splitlines())
    lo, ref = statistics.median(local), statistics.median(reference)
    print(
        f"{rows} training rows x 22 features, {args.rounds} rounds, depth 5, "
        f"nthread {args.nthread}, median of {args.repeat}\n"
    )
    print("| run | seconds |")
    print("|---|---:|")
    print(f"| xgboost.train reference (read CSV + train + save + tar.gz) | {ref:.3f} |")
    print(f"| local training job (TrainingEndTime - TrainingStartTime) | {lo:.3f} |")
    print(
        f"| local training job, wall incl. process start and polling | "
        f"{statistics.median(wall):.3f} |"
    )
    print(
        f"| xgboost.train reference in a new process (incl. interpreter start, imports) | "
        f"{statistics.median(reference_wall):.3f} |"
    )
    pairs = [j / r for j, r in zip(local, reference, strict=True)]
    with_start = statistics.median(wall) / statistics.median(reference_wall)
    print(
        f"\nincl. process start: ratio of medians {with_start:.2f} "
        f"(goal <= 1.2; the job's wall includes the client's 50 ms polling)"
    )
    print(f"\nratio of medians (job / reference, excluding process start): {lo / ref:.2f}")
    print(
        f"median of paired ratios (each job run right before its reference): "
        f"{statistics.median(pairs):.2f}  (all: {', '.join(f'{p:.2f}' for p in pairs)})"
    )


if __name__ == "__main__":
    main()

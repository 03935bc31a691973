"""Time from CreateEndpoint to the endpoint's first answer, on the local target.

A fresh local home; a churn XGBoost model (100 rounds, depth 5) as model.tar.gz in the
local S3; CreateModel + CreateEndpointConfig, then the clock starts at CreateEndpoint
and stops at the first InvokeEndpoint that answers (tried every 10 ms); the endpoint is
deleted and the next one created. The first endpoint of the home starts a new server
process; each launch leaves a spare server (xgboost imported) that the next endpoint
claims (``--no-spare``: every endpoint starts its own process). The reference, in the
same run, is a new Python process that imports xgboost, loads the same model and
predicts one row: what any server must do before its first answer. Goal: <= 1 s.

    .venv/bin/python bench/bench_endpoint_start.py [--repeat 5] [--no-spare]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_serving import _train

IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:3.0-5"
ROLE = "arn:aws:iam::123456789012:role/bench"
KW = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
LOAD_AND_PREDICT = (
    "import sys, xgboost as xgb, numpy as np\n"
    "booster = xgb.Booster(model_file=sys.argv[1])\n"
    "booster.inplace_predict(np.array([[float(v) for v in sys.argv[2].split(',')]]))\n"
)


def local_model(work: Path, configs: list[str]) -> tuple[Path, Path, str]:
    """Install a local home under ``work`` with the churn model behind one model and
    endpoint config per name in ``configs``: (home, model file, one CSV row)."""
    import boto3

    from glue_workflow.local import install

    model_path, rows = _train(work)
    home = work / "home"
    install(home)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(model_path, arcname="xgboost-model")
    target = home / "s3" / "bench" / "model" / "model.tar.gz"
    target.parent.mkdir(parents=True)
    target.write_bytes(buffer.getvalue())
    sm = boto3.client("sagemaker", **KW)
    for name in configs:
        sm.create_model(
            ModelName=name,
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://bench/model/model.tar.gz"},
        )
        sm.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": name,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    return home, model_path, ",".join(str(v) for v in rows[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-spare", action="store_true", help="no spare server processes")
    args = parser.parse_args()
    import boto3
    from botocore.exceptions import ClientError

    if args.no_spare:
        os.environ["GLUE_WF_ENDPOINT_SPARE"] = "0"
    with tempfile.TemporaryDirectory() as scratch:
        _, model_path, row = local_model(Path(scratch), ["c"])
        sm = boto3.client("sagemaker", **KW)
        runtime = boto3.client("sagemaker-runtime", **KW)
        answered, reference = [], []
        for i in range(args.repeat):
            name = f"ep-{i}"
            started = time.perf_counter()
            sm.create_endpoint(EndpointName=name, EndpointConfigName="c")
            while True:
                try:
                    runtime.invoke_endpoint(EndpointName=name, ContentType="text/csv", Body=row)
                    break
                except ClientError:
                    time.sleep(0.01)
            answered.append(time.perf_counter() - started)
            sm.delete_endpoint(EndpointName=name)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", LOAD_AND_PREDICT, str(model_path), row], check=True
            )
            reference.append(time.perf_counter() - started)
        if not args.no_spare:
            from glue_workflow.local.sagemaker import spares
            from glue_workflow.local.store import LocalHome

            spares.stop_all(LocalHome(Path(scratch) / "home"))
    later = answered[1:] or answered
    got, ref = statistics.median(later), statistics.median(reference)
    print(
        f"CreateEndpoint -> first answer: first endpoint {answered[0]:.3f} s; "
        f"{'without' if args.no_spare else 'with'} a spare, median {got:.3f} s of "
        f"{len(later)} (all: {', '.join(f'{a:.2f}' for a in answered)}); goal <= 1 s: "
        f"{'met' if got <= 1 else 'NOT met'}"
    )
    print(
        f"reference, new process loading xgboost + the model + one prediction: {ref:.3f} s; "
        f"ratio {got / ref:.2f}"
    )
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""Time from CreateEndpoint to the endpoint's first answer, on the local target.

A fresh local home; a churn XGBoost model (100 rounds, depth 5) as model.tar.gz in the
local S3; CreateModel + CreateEndpointConfig, then the clock starts at CreateEndpoint
and stops at the first InvokeEndpoint that answers (tried every 10 ms). The reference,
in the same run, is a new Python process that imports xgboost, loads the same model and
predicts one row: what any server must do before its first answer. Goal: <= 1 s.

    .venv/bin/python bench/bench_endpoint_start.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
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
LOAD_AND_PREDICT = (
    "import sys, xgboost as xgb, numpy as np\n"
    "booster = xgb.Booster(model_file=sys.argv[1])\n"
    "booster.inplace_predict(np.array([[float(v) for v in sys.argv[2].split(',')]]))\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    import boto3
    from botocore.exceptions import ClientError

    from glue_workflow.local import install

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        model_path, rows = _train(work)
        home = work / "home"
        install(home)
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(model_path, arcname="xgboost-model")
        target = home / "s3" / "bench" / "model" / "model.tar.gz"
        target.parent.mkdir(parents=True)
        target.write_bytes(buffer.getvalue())
        kw = {"region_name": "us-east-1", "aws_access_key_id": "x", "aws_secret_access_key": "x"}
        sm = boto3.client("sagemaker", **kw)
        runtime = boto3.client("sagemaker-runtime", **kw)
        sm.create_model(
            ModelName="m",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"Image": IMAGE, "ModelDataUrl": "s3://bench/model/model.tar.gz"},
        )
        sm.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "m",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        row = ",".join(str(v) for v in rows[0])
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
    got, ref = statistics.median(answered), statistics.median(reference)
    print(
        f"CreateEndpoint -> first answer: median {got:.3f} s of {args.repeat} "
        f"(all: {', '.join(f'{a:.2f}' for a in answered)}); goal <= 1 s: "
        f"{'met' if got <= 1 else 'NOT met'}"
    )
    print(
        f"reference, new process loading xgboost + the model + one prediction: {ref:.3f} s; "
        f"ratio {got / ref:.2f}"
    )


if __name__ == "__main__":
    main()

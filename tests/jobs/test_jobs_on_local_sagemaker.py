"""The SageMaker jobs in sequence against the local target's SageMaker and S3.

Run properties come from an in-memory stand-in for the workflow run; everything else
(training, the Processing evaluation, the Model Registry, the endpoint and its
invocation) is the local target doing the real work. Marked slow: it trains XGBoost
and starts an endpoint server.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from jobhelpers import RUN_ID, WORKFLOW, FakeGlue, load_job

from glue_workflow.jobkit import feature_layout
from glue_workflow.jobkit.errors import JobFailed
from glue_workflow.services import raw_rows

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUCKET = "glue-wf-local"
ROLE = "arn:aws:iam::000000000000:role/glue-wf-sagemaker"


class LocalSession:
    """Glue run properties in memory; every other client from the local target."""

    def __init__(self, glue: FakeGlue) -> None:
        self.glue = glue
        self.session = boto3.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name="us-east-1"
        )

    def client(self, service: str) -> Any:
        return self.glue if service == "glue" else self.session.client(service)


def split_churn(csv: Path) -> dict[str, str]:
    """Label-first, header-less numeric splits like preprocess writes (simplified)."""
    import pandas as pd

    data = pd.read_csv(csv)
    label = data.pop("Churn").astype(str).str.lower().eq("true").astype(int)
    for column in ("Int_l_Plan", "VMail_Plan"):
        data[column] = data[column].eq("yes").astype(int)
    features = data.drop(columns=["State", "customerID", "Area_Code"]).astype(float)
    table = pd.concat([label.rename("label"), features], axis=1).sample(frac=1.0, random_state=1)
    n = len(table)
    parts = {
        "train": table[: int(n * 0.7)],
        "validation": table[int(n * 0.7) : int(n * 0.85)],
        "test": table[int(n * 0.85) :],
    }
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=BUCKET)
    uris = {}
    for name, part in parts.items():
        key = f"runs/{RUN_ID}/{name}/part-00000.csv"
        s3.put_object(Bucket=BUCKET, Key=key, Body=part.to_csv(header=False, index=False).encode())
        uris[f"{name}_uri"] = f"s3://{BUCKET}/runs/{RUN_ID}/{name}/"
    return uris


def test_train_evaluate_register_deploy_on_the_local_target(
    local_home: Path, churn_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sagemaker.core import image_uris

    image = image_uris.retrieve("xgboost", "us-east-1", "3.0-5")
    uris = split_churn(churn_csv)
    s3 = boto3.client("s3", region_name="us-east-1")
    script_key = "glue-wf/churn-pipeline/artifacts/test/evaluate_model.py"
    s3.upload_file(str(PROJECT_ROOT / "jobs/evaluation/evaluate_model.py"), BUCKET, script_key)
    layouts = {}
    for run, features in (("1", ["a", "b"]), ("2", ["a", "b", "c"])):
        key = f"runs/{run}/feature_manifest.json"
        body = json.dumps({"features": [{"name": n} for n in features]})
        s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
        layouts[run] = f"s3://{BUCKET}/{key}"
    glue = FakeGlue(
        {
            **uris,
            "num_round": "50",
            "max_depth": "5",
            "eta": "0.2",
            "objective": "binary:logistic",
            "model_package_group": "churn-xgb",
            "auto_approve": "true",
            "endpoint_name": "churn-xgb-test",
        }
    )
    session = LocalSession(glue)
    args = [
        "job.py",
        "--WORKFLOW_NAME",
        WORKFLOW,
        "--WORKFLOW_RUN_ID",
        RUN_ID,
        "--artifacts_bucket",
        BUCKET,
        "--sagemaker_role_arn",
        ROLE,
        "--xgboost_image_uri",
        image,
        "--evaluation_script_uri",
        f"s3://{BUCKET}/{script_key}",
    ]
    sm = boto3.client("sagemaker", region_name="us-east-1")
    try:
        for job in ("train", "evaluate", "register", "deploy"):
            if job == "register":  # recorded by register (evaluate would read its names)
                glue.props["feature_manifest_uri"] = layouts["1"]
            load_job(job).main(args, session=session)
        props = glue.props
        assert float(props["accuracy"]) >= 0.95
        report = json.loads(
            s3.get_object(Bucket=BUCKET, Key=props["evaluation_uri"].split(f"{BUCKET}/")[1])[
                "Body"
            ].read()
        )
        assert report["accuracy"] >= 0.95
        assert props["model_approval_status"] == "Approved"
        assert props["deploy_status"] == "deployed"
        described = sm.describe_endpoint(EndpointName="churn-xgb-test")
        assert described["EndpointStatus"] == "InService"
        assert described["EndpointConfigName"] == props["endpoint_config_name"]
        assert len(json.loads(props["smoke_test"])["scores"]) == 5
        # The next model's guard finds the served package's layout through the local
        # endpoint config, model and package, as on AWS.
        served = sm.describe_model_package(ModelPackageName=props["model_package_arn"])
        assert served["CustomerMetadataProperties"]["feature-manifest-uri"] == layouts["1"]
        meta = {"feature-manifest-uri": layouts["2"]}
        nxt = {"ModelPackageArn": "arn:next", "CustomerMetadataProperties": meta}
        with pytest.raises(JobFailed, match=r"\(2 features served, 3 in the new model; new: c\)"):
            feature_layout.guard(sm, s3, "churn-xgb-test", nxt, allow=False, how_to_allow="-")
        # glue-wf invoke --raw finds the same manifest to encode raw rows with
        manifest = raw_rows.served_manifest(sm, s3, "churn-xgb-test")
        assert [f["name"] for f in manifest["features"]] == ["a", "b"]
    finally:
        with contextlib.suppress(Exception):  # best-effort: stop the endpoint's server
            sm.delete_endpoint(EndpointName="churn-xgb-test")

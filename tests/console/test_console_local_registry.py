"""Models and endpoints through the console over the local target's real SageMaker
registry (no training needed: packages are registered directly)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture
def registry_console(local_home: Path):
    from glue_workflow.aws.clients import client
    from glue_workflow.config import load_settings
    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import start_background

    settings = load_settings(PROJECT, target="local", env={"GLUE_WF_HOME": str(local_home)})
    sagemaker, s3 = client(settings, "sagemaker"), client(settings, "s3")
    s3.create_bucket(Bucket="registry-test")
    s3.put_object(
        Bucket="registry-test",
        Key="eval/evaluation.json",
        Body=json.dumps({"metrics": {"accuracy": 0.91, "f1": 0.8}}).encode(),
    )
    sagemaker.create_model_package_group(ModelPackageGroupName="churn-xgb")
    for approval in ("Approved", "PendingManualApproval"):
        sagemaker.create_model_package(
            ModelPackageGroupName="churn-xgb",
            ModelApprovalStatus=approval,
            InferenceSpecification={
                "Containers": [
                    {"Image": "xgboost:3.0-5", "ModelDataUrl": "s3://registry-test/model.tar.gz"}
                ],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["text/csv"],
            },
            ModelMetrics={
                "ModelQuality": {
                    "Statistics": {
                        "S3Uri": "s3://registry-test/eval/evaluation.json",
                        "ContentType": "application/json",
                    }
                }
            },
        )
    server = start_background(build_api(settings))
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _json(server, path: str, body: dict | None = None):
    request = urllib.request.Request(server.url + path.lstrip("/"))
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Glue-Wf-Token", server.token)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_registry_versions_metrics_and_approval(registry_console):
    status, group = _json(registry_console, "/api/models/churn-xgb")
    assert status == 200
    assert [(v["version"], v["approval"]) for v in group["versions"]] == [
        (2, "PendingManualApproval"),
        (1, "Approved"),
    ]
    assert group["versions"][0]["metrics"] == {"metrics.accuracy": 0.91, "metrics.f1": 0.8}
    status, result = _json(
        registry_console,
        "/api/models/churn-xgb/versions/2/approval",
        {"status": "Rejected", "description": "f1 too low"},
    )
    assert (status, result["approval"]) == (200, "Rejected")
    _, group = _json(registry_console, "/api/models/churn-xgb")
    assert group["versions"][0]["approval"] == "Rejected"
    assert group["versions"][0]["approval_description"] == "f1 too low"
    _, groups = _json(registry_console, "/api/models")
    assert groups["groups"][0]["latest_approval"] == "Rejected"


def test_no_endpoint_is_a_404(registry_console):
    assert _json(registry_console, "/api/endpoints") == (200, {"endpoints": []})
    status, error = _json(registry_console, "/api/endpoints/churn-xgb")
    assert status == 404
    assert error["error"]["message"].startswith("ValidationException: Could not find endpoint")
    assert error["error"]["message"].endswith("; list the endpoints with 'glue-wf endpoints'")

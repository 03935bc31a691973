"""glue-wf models | approve | endpoints | invoke on the local target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sm_helpers import BUCKET, IMAGE

from glue_workflow.cli import cli

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def run(sm_home: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GLUE_WF_HOME", str(sm_home))

    def invoke(*args: str, stdin: str | None = None) -> Any:
        return CliRunner().invoke(cli, [*args[:1], "--target", "local", "--project",
                                        str(PROJECT), *args[1:]], input=stdin)

    return invoke


def test_models_and_approve(sm: Any, run: Any) -> None:
    sm.create_model_package_group(ModelPackageGroupName="cli-group")
    arn = sm.create_model_package(
        ModelPackageGroupName="cli-group", InferenceSpecification={"Containers": [
            {"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz"}]},
    )["ModelPackageArn"]
    listed = run("models", "--json")
    assert listed.exit_code == 0, listed.output
    group = next(g for g in json.loads(listed.output) if g["group"] == "cli-group")
    assert group["packages"][0]["ModelApprovalStatus"] == "PendingManualApproval"
    approved = run("approve", "cli-group/1", "--description", "looks good")
    assert approved.exit_code == 0, approved.output
    assert approved.output.strip() == f"{arn}: Approved"
    described = sm.describe_model_package(ModelPackageName=arn)
    assert (described["ModelApprovalStatus"], described["ApprovalDescription"]) == (
        "Approved", "looks good")
    rejected = run("approve", arn, "--reject")
    assert rejected.output.strip() == f"{arn}: Rejected"
    text = run("models")
    assert "cli-group" in text.output
    assert "Rejected" in text.output
    missing = run("approve", "cli-group/9")
    assert missing.exit_code == 1
    assert "model package group 'cli-group' has no version 9" in str(missing.exception)
    usage = run("approve", "not-an-arn")
    assert "neither a model package ARN nor GROUP/VERSION" in str(usage.exception)


@pytest.mark.slow
def test_endpoints_and_invoke(sm: Any, run: Any, trained: dict[str, Any],
                              tmp_path: Path) -> None:
    url = trained["ModelArtifacts"]["S3ModelArtifacts"]
    sm.create_model(ModelName="cli-model", ExecutionRoleArn="arn:aws:iam::1:role/r",
                    PrimaryContainer={"Image": IMAGE, "ModelDataUrl": url})
    sm.create_endpoint_config(EndpointConfigName="cli-config", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "cli-model", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName="cli-endpoint", EndpointConfigName="cli-config")
    try:
        listed = run("endpoints", "--json")
        assert listed.exit_code == 0, listed.output
        row = next(e for e in json.loads(listed.output) if e["name"] == "cli-endpoint")
        assert row["status"] == "InService"
        assert row["url"].startswith("http://127.0.0.1:")
        assert "cli-endpoint" in run("endpoints").output
        from sm_helpers import churn_frame

        features = churn_frame().iloc[0, 1:].tolist()
        body = tmp_path / "row.csv"
        body.write_text(",".join(map(str, features)))
        answer = run("invoke", "cli-endpoint", "--body", str(body))
        assert answer.exit_code == 0, answer.output
        assert 0 < float(answer.output) < 1
        piped = run("invoke", "cli-endpoint", "--content-type", "application/json",
                    "--accept", "application/json", stdin=json.dumps({"instances": [features]}))
        assert json.loads(piped.output)["predictions"][0]["score"] == float(answer.output)
        bad = run("invoke", "cli-endpoint", stdin="1,2,3")
        assert bad.exit_code == 1
        assert "ModelError" in str(bad.exception)
    finally:
        sm.delete_endpoint(EndpointName="cli-endpoint")

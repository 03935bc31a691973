"""glue-wf promote on the local target: real endpoint servers, blue/green, rollback, records."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from click.testing import CliRunner
from sm_helpers import BUCKET, IMAGE, churn_frame

from glue_workflow.cli import cli

pytestmark = pytest.mark.slow

TOML = f"""
[stages.dev]
endpoint = "promo-dev"

[stages.qa]
endpoint = "promo-qa"
smoke_test_uri = "s3://{BUCKET}/data/validation/"

[stages.prod]
endpoint = "promo-prod"
instance_type = "ml.m5.xlarge"
approval_required = true
after = "dev"
"""


@pytest.fixture
def run(sm_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("GLUE_WF_HOME", str(sm_home))
    (tmp_path / "glue-wf.toml").write_text(TOML)
    (tmp_path / "bad.csv").write_text("1,2,3\n")  # too few features: the model refuses it
    features = churn_frame().iloc[0, 1:].tolist()
    (tmp_path / "good.csv").write_text(",".join(map(str, features)))

    def invoke(*args: str) -> Any:
        return CliRunner().invoke(
            cli, [*args[:1], "--target", "local", "--project", str(tmp_path), *args[1:]]
        )

    return invoke


def _versions(sm: Any, trained: dict[str, Any]) -> list[str]:
    sm.create_model_package_group(ModelPackageGroupName="promo")
    spec = {
        "Containers": [
            {"Image": IMAGE, "ModelDataUrl": trained["ModelArtifacts"]["S3ModelArtifacts"]}
        ]
    }
    meta = {"test-uri": f"s3://{BUCKET}/data/validation/", "glue-wf-workflow": "churn"}
    return [
        sm.create_model_package(
            ModelPackageGroupName="promo",
            InferenceSpecification=spec,
            CustomerMetadataProperties=meta,
        )["ModelPackageArn"]
        for _ in range(2)
    ]


def _stages_of(run: Any, arn: str) -> dict[str, Any]:
    listed = run("models", "--json")
    assert listed.exit_code == 0, listed.output
    group = next(g for g in json.loads(listed.output) if g["ModelPackageGroupName"] == "promo")
    package = next(p for p in group["ModelPackageSummaryList"] if p["ModelPackageArn"] == arn)
    stages: dict[str, Any] = package["Stages"]
    return stages


def test_promote_across_stages(sm: Any, run: Any, trained: dict[str, Any], tmp_path: Path) -> None:
    v1, v2 = _versions(sm, trained)
    try:
        refused = run("promote", "promo/1", "--to", "dev")
        assert refused.exit_code == 1
        assert f"model package {v1} is PendingManualApproval, not Approved" in str(
            refused.exception
        )
        unknown = run("promote", "promo/1", "--to", "staging")
        assert str(unknown.exception).startswith("unknown stage 'staging': ")
        assert "declares dev, qa, prod" in str(unknown.exception)
        assert run("approve", "promo/1").exit_code == 0
        assert run("approve", "promo/2").exit_code == 0

        # first promotion creates the endpoint; the smoke test uses the package's test data
        first = run("promote", "promo/1", "--to", "dev", "--json")
        assert first.exit_code == 0, first.output
        done = json.loads(first.stdout)
        assert (done["EndpointName"], done["PreviousEndpointConfigName"]) == ("promo-dev", None)
        assert len(done["SmokeTestScores"]) == 5
        assert all(0 < s < 1 for s in done["SmokeTestScores"])
        v1_config = done["EndpointConfigName"]
        assert sm.describe_endpoint(EndpointName="promo-dev")["EndpointConfigName"] == v1_config

        # the next version replaces it blue/green; the old config and model are retired
        second = run("promote", "promo/2", "--to", "dev")
        assert second.exit_code == 0, second.output
        assert f"updating endpoint promo-dev: {v1_config} -> " in second.output
        v2_config = sm.describe_endpoint(EndpointName="promo-dev")["EndpointConfigName"]
        assert v2_config != v1_config
        with pytest.raises(ClientError):
            sm.describe_endpoint_config(EndpointConfigName=v1_config)
        promoted = _stages_of(run, v2)["Promotions"]
        assert [(p["Stage"], p["EndpointName"], p["Current"]) for p in promoted] == [
            ("dev", "promo-dev", True)
        ]
        assert promoted[0]["PromotedBy"] == "arn:aws:iam::000000000000:root"
        assert [p["Current"] for p in _stages_of(run, v1)["Promotions"]] == [False]
        text = run("models").output
        assert "promoted to dev (promo-dev, serving) at " in text
        assert "promoted to dev (promo-dev, since replaced) at " in text

        # a smoke test that fails rolls the endpoint back to the config it served
        bad = run("promote", "promo/1", "--to", "dev", "--sample", str(tmp_path / "bad.csv"))
        assert bad.exit_code == 1
        message = str(bad.exception)
        assert message.startswith("promote: smoke test of endpoint promo-dev failed: ModelError")
        assert message.endswith(
            f"rolled back endpoint promo-dev to its previous endpoint config {v2_config} "
            "(InService)"
        )
        after = sm.describe_endpoint(EndpointName="promo-dev")
        assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", v2_config)
        assert run("invoke", "promo-dev", "--body", str(tmp_path / "good.csv")).exit_code == 0
        assert [p["Current"] for p in _stages_of(run, v1)["Promotions"]] == [False]

        # a first deployment that fails its smoke test leaves no endpoint behind
        failed = run("promote", "promo/1", "--to", "qa", "--sample", str(tmp_path / "bad.csv"))
        assert failed.exit_code == 1
        assert str(failed.exception).endswith(
            "deleted endpoint promo-qa, which this promotion had created"
        )
        with pytest.raises(ClientError):
            sm.describe_endpoint(EndpointName="promo-qa")

        # prod needs the recorded manual approval
        blocked = run("promote", "promo/2", "--to", "prod")
        assert "stage 'prod' requires a manual approval of" in str(blocked.exception)
        approved = run("approve", "--stage", "prod", "promo/2")
        assert approved.exit_code == 0, approved.output
        assert approved.output.startswith(f"{v2}: approved for stage prod (at=")
        assert (
            _stages_of(run, v2)["Approvals"]["prod"]["ApprovedBy"]
            == "arn:aws:iam::000000000000:root"
        )
        prod = run("promote", "promo/2", "--to", "prod")
        assert prod.exit_code == 0, prod.output
        config = sm.describe_endpoint_config(
            EndpointConfigName=sm.describe_endpoint(EndpointName="promo-prod")["EndpointConfigName"]
        )
        assert config["ProductionVariants"][0]["InstanceType"] == "ml.m5.xlarge"
        assert {p["Stage"] for p in _stages_of(run, v2)["Promotions"]} == {"dev", "prod"}
        listed = run("stages", "--json")
        assert listed.exit_code == 0, listed.output
        assert {r["Stage"]: r["ServingModelPackageArn"] for r in json.loads(listed.stdout)} == {
            "dev": v2,
            "qa": None,
            "prod": v2,
        }
        assert [r["After"] for r in json.loads(listed.stdout)] == [None, None, "dev"]
        assert [r["EndpointStatus"] for r in json.loads(listed.stdout)] == [
            "InService",
            None,
            "InService",
        ]
        # the console's view: asks the endpoints itself
        from glue_workflow.stages.records import package_stages

        view = package_stages(sm, v2)
        assert {(p["stage"], p["current"]) for p in view["promotions"]} == {
            ("dev", True),
            ("prod", True),
        }
        assert [p["current"] for p in package_stages(sm, v1)["promotions"]] == [False]
        revoked = run("approve", "--stage", "prod", "--reject", "promo/2")
        assert revoked.output.strip() == f"{v2}: approval for stage prod revoked"
    finally:
        for name in ("promo-dev", "promo-qa", "promo-prod"):
            with contextlib.suppress(ClientError):
                sm.delete_endpoint(EndpointName=name)

"""jobs/deploy.py: approval check, create vs blue/green update, rollback, smoke test, cleanup."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jobhelpers import ROLE, RUN_ID, Harness, body, exit_message, load_job
from jobhelpers import not_found as missing

deploy = load_job("deploy")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgb/2"
PROPS = {"model_package_arn": PACKAGE, "endpoint_name": "churn-xgb", "test_uri": "s3://b/test/"}
ARGS = {"sagemaker_role_arn": ROLE}
NEW_CONFIG = deploy.ops.scoped_name("churn-xgb", RUN_ID)
MODEL = deploy.ops.resource_name(workflow="churn-pipeline", run_id=RUN_ID, node="deploy")
TEST_CSV = b"1,0.5,3,2\n0,0.1,1,0\n1,0.9,2,2\n"


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deploy.ops.time, "sleep", lambda _s: None)


def package(status: str) -> dict[str, Any]:
    return {
        "ModelPackageName": "churn-xgb",
        "ModelPackageArn": PACKAGE,
        "CreationTime": T0,
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": status,
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
    }


def endpoint(status: str, config: str, **extra: Any) -> dict[str, Any]:
    return {
        "EndpointName": "churn-xgb",
        "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e",
        "EndpointConfigName": config,
        "EndpointStatus": status,
        "CreationTime": T0,
        "LastModifiedTime": T0,
        **extra,
    }


def config(name: str, model: str) -> dict[str, Any]:
    return {
        "EndpointConfigName": name,
        "EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c",
        "CreationTime": T0,
        "ProductionVariants": [{"VariantName": "AllTraffic", "ModelName": model}],
    }


def stub_model_and_config(h: Harness) -> None:
    h.sm.add_response("describe_model_package", package("Approved"))
    missing(h.sm, "describe_model")
    h.sm.add_response(
        "create_model", {"ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m"}
    )
    missing(h.sm, "describe_endpoint_config")
    h.sm.add_response(
        "create_endpoint_config",
        {"EndpointConfigArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c"},
    )


def stub_smoke(h: Harness, scores: bytes = b"0.93\n0.04\n0.88\n") -> None:
    h.s3.add_response(
        "list_objects_v2",
        {
            "Contents": [
                {"Key": "test/_SUCCESS", "Size": 0},
                {"Key": "test/part-00000.csv", "Size": 30},
            ]
        },
    )
    h.s3.add_response(
        "get_object", {"Body": body(TEST_CSV)}, {"Bucket": "b", "Key": "test/part-00000.csv"}
    )
    h.stubs["sagemaker-runtime"].add_response(
        "invoke_endpoint", {"Body": body(scores), "ContentType": "text/csv"}
    )


def test_pending_package_is_not_deployed_and_says_so(capsys: Any) -> None:
    h = Harness(PROPS)
    h.sm.add_response("describe_model_package", package("PendingManualApproval"))
    h.run(deploy, **ARGS)
    h.verify()
    assert h.operations() == ["DescribeModelPackage"]
    assert h.glue.props["deploy_status"] == "awaiting_approval"
    assert "awaiting approval: model package" in capsys.readouterr().out


def test_rejected_package_is_not_deployed_and_says_so(capsys: Any) -> None:
    h = Harness(PROPS)
    h.sm.add_response("describe_model_package", package("Rejected"))
    h.run(deploy, **ARGS)
    h.verify()
    assert h.operations() == ["DescribeModelPackage"]
    assert h.glue.props["deploy_status"] == "package_rejected"
    assert h.glue.props["deployed_endpoint"] == ""
    assert "was rejected in the model registry; nothing deployed" in capsys.readouterr().out


def test_first_deploy_creates_model_config_and_endpoint_then_smoke_tests() -> None:
    h = Harness(PROPS)
    stub_model_and_config(h)
    missing(h.sm, "describe_endpoint")
    h.sm.add_response(
        "create_endpoint", {"EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e"}
    )
    h.sm.add_response("describe_endpoint", endpoint("Creating", NEW_CONFIG))
    h.sm.add_response("describe_endpoint", endpoint("InService", NEW_CONFIG))
    stub_smoke(h)
    h.run(deploy, **ARGS)
    h.verify()
    (model,) = h.requests("CreateModel")
    assert model == {
        "ModelName": MODEL,
        "Containers": [{"ModelPackageName": PACKAGE}],
        "ExecutionRoleArn": ROLE,
        "Tags": [{"Key": "glue-wf:workflow", "Value": "churn-pipeline"}],
    }
    (cfg,) = h.requests("CreateEndpointConfig")
    assert cfg["EndpointConfigName"] == NEW_CONFIG
    assert cfg["ProductionVariants"][0]["ModelName"] == MODEL
    assert cfg["ProductionVariants"][0]["VariantName"] == "AllTraffic"
    assert h.requests("CreateEndpoint")[0]["EndpointConfigName"] == NEW_CONFIG
    (invoke,) = h.requests("InvokeEndpoint")
    assert invoke["Body"] == "0.5,3,2\n0.1,1,0\n0.9,2,2"  # label column dropped
    assert "DeleteEndpointConfig" not in h.operations()
    assert h.glue.props["deploy_status"] == "deployed"
    assert h.glue.props["deployed_endpoint"] == "churn-xgb"
    assert h.glue.props["endpoint_config_name"] == NEW_CONFIG
    assert json.loads(h.glue.props["smoke_test"])["rows"] == 3


def test_existing_endpoint_is_updated_blue_green_and_the_old_config_retired() -> None:
    h = Harness(PROPS)
    stub_model_and_config(h)
    h.sm.add_response("describe_endpoint", endpoint("InService", "churn-xgb-old"))
    h.sm.add_response(
        "update_endpoint", {"EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e"}
    )
    h.sm.add_response("describe_endpoint", endpoint("Updating", "churn-xgb-old"))
    h.sm.add_response("describe_endpoint", endpoint("InService", NEW_CONFIG))
    stub_smoke(h)
    h.sm.add_response("describe_endpoint_config", config("churn-xgb-old", "old-model"))
    h.sm.add_response("delete_endpoint_config", {})
    h.sm.add_response("delete_model", {})
    h.run(deploy, rollback_alarms="churn-5xx,churn-latency", **ARGS)
    h.verify()
    (update,) = h.requests("UpdateEndpoint")
    assert update["EndpointConfigName"] == NEW_CONFIG
    policy = update["DeploymentConfig"]["BlueGreenUpdatePolicy"]
    assert policy["TrafficRoutingConfiguration"]["Type"] == "ALL_AT_ONCE"
    assert update["DeploymentConfig"]["AutoRollbackConfiguration"] == {
        "Alarms": [{"AlarmName": "churn-5xx"}, {"AlarmName": "churn-latency"}]
    }
    assert h.requests("DeleteEndpointConfig") == [{"EndpointConfigName": "churn-xgb-old"}]
    assert h.requests("DeleteModel") == [{"ModelName": "old-model"}]
    ops = h.operations()
    # The old config goes only after the endpoint serves the new one and answered.
    assert ops.index("DeleteEndpointConfig") > ops.index("InvokeEndpoint")


def test_rolled_back_update_fails_and_keeps_the_old_config(capsys: Any) -> None:
    h = Harness(PROPS)
    stub_model_and_config(h)
    h.sm.add_response("describe_endpoint", endpoint("InService", "churn-xgb-old"))
    h.sm.add_response(
        "update_endpoint", {"EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e"}
    )
    h.sm.add_response(
        "describe_endpoint",
        endpoint("InService", "churn-xgb-old", FailureReason="alarm churn-5xx in ALARM"),
    )
    with pytest.raises(SystemExit):
        h.run(deploy, **ARGS)
    assert exit_message(capsys) == (
        f"glue-wf job failed: endpoint churn-xgb is InService on config churn-xgb-old, not the "
        f"new {NEW_CONFIG}: alarm churn-5xx in ALARM"
    )
    assert "DeleteEndpointConfig" not in h.operations()
    assert "deploy_status" not in h.glue.props


def test_failed_endpoint_is_not_updated(capsys: Any) -> None:
    h = Harness(PROPS)
    stub_model_and_config(h)
    h.sm.add_response(
        "describe_endpoint", endpoint("Failed", "churn-xgb-old", FailureReason="image not found")
    )
    with pytest.raises(SystemExit):
        h.run(deploy, **ARGS)
    assert (
        "endpoint churn-xgb is Failed (image not found): only an InService endpoint is "
        "updated" in exit_message(capsys)
    )
    assert "UpdateEndpoint" not in h.operations()


def test_smoke_test_checks_one_score_per_row(capsys: Any) -> None:
    h = Harness(PROPS)
    stub_model_and_config(h)
    missing(h.sm, "describe_endpoint")
    h.sm.add_response(
        "create_endpoint", {"EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/e"}
    )
    h.sm.add_response("describe_endpoint", endpoint("InService", NEW_CONFIG))
    stub_smoke(h, scores=b"0.5\n")
    with pytest.raises(SystemExit):
        h.run(deploy, **ARGS)
    assert "endpoint churn-xgb returned 1 scores for 3 rows" in exit_message(capsys)


def test_invalid_endpoint_name_is_rejected_before_any_call(capsys: Any) -> None:
    h = Harness({**PROPS, "endpoint_name": "churn_xgb"})
    with pytest.raises(SystemExit):
        h.run(deploy, **ARGS)
    assert "endpoint name 'churn_xgb' is not a valid SageMaker name" in exit_message(capsys)
    assert h.calls == []


def test_a_retried_attempt_still_retires_the_replaced_config() -> None:
    # Attempt 1 updated the endpoint and died; attempt 2 finds it already on the new config.
    h = Harness({**PROPS, "replaced_endpoint_config": "churn-xgb-old"})
    h.sm.add_response("describe_model_package", package("Approved"))
    h.sm.add_response(
        "describe_model",
        {
            "ModelName": MODEL,
            "ExecutionRoleArn": ROLE,
            "CreationTime": T0,
            "ModelArn": "arn:aws:sagemaker:us-east-1:123456789012:model/m",
        },
    )
    h.sm.add_response("describe_endpoint_config", config(NEW_CONFIG, MODEL))
    h.sm.add_response("describe_endpoint", endpoint("InService", NEW_CONFIG))
    h.sm.add_response("describe_endpoint", endpoint("InService", NEW_CONFIG))
    stub_smoke(h)
    h.sm.add_response("describe_endpoint_config", config("churn-xgb-old", "old-model"))
    h.sm.add_response("delete_endpoint_config", {})
    h.sm.add_response("delete_model", {})
    h.run(deploy, **ARGS)
    h.verify()
    assert "UpdateEndpoint" not in h.operations()
    assert "CreateModel" not in h.operations()
    assert h.requests("DeleteEndpointConfig") == [{"EndpointConfigName": "churn-xgb-old"}]


def test_create_endpoint_retries_only_a_config_not_yet_readable(monkeypatch: Any) -> None:
    import boto3
    from botocore.exceptions import ClientError
    from botocore.stub import Stubber

    from glue_workflow.jobkit import endpoint_deploy

    monkeypatch.setattr(endpoint_deploy.time, "sleep", lambda _: None)
    sm = boto3.client("sagemaker", region_name="us-east-1")
    arn = "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/c"
    with Stubber(sm) as stub:  # eventually consistent: the config is not found at first
        stub.add_client_error(
            "create_endpoint",
            "ValidationException",
            f'Could not find endpoint configuration "{arn}".',
        )
        stub.add_response("create_endpoint", {"EndpointArn": arn.replace("-config/c", "/e")})
        endpoint_deploy.create_endpoint(sm, "e", "c", "wf")
        stub.assert_no_pending_responses()
    with Stubber(sm) as stub:  # any other refusal fails at once
        stub.add_client_error(
            "create_endpoint", "ValidationException", "Cannot create already existing endpoint"
        )
        with pytest.raises(ClientError, match="already existing"):
            endpoint_deploy.create_endpoint(sm, "e", "c", "wf")

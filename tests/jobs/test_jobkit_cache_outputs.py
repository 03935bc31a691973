"""An entry whose outputs are gone is a miss: S3 objects, model packages, endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from glue_workflow.jobkit.cache_outputs import missing_output
from glue_workflow.local import uninstall

PACKAGE = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgb/3"


@pytest.fixture
def clients() -> Iterator[tuple[Any, Any, Stubber]]:
    uninstall()  # moto, not a local home another directory's session fixture installed
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="bkt-outputs")
        s3.put_object(Bucket="bkt-outputs", Key="runs/wr_1/train/part-0.csv", Body=b"1,2\n")
        sm = boto3.client("sagemaker", region_name="us-east-1")
        with Stubber(sm) as stub:
            yield s3, sm, stub


def _client(s3: Any, sm: Any) -> Any:
    return lambda service: s3 if service == "s3" else sm


def test_present_outputs_can_be_served(clients: tuple[Any, Any, Stubber]) -> None:
    s3, sm, stub = clients
    stub.add_response(
        "describe_model_package",
        {
            "ModelPackageName": "churn-xgb",
            "ModelPackageArn": PACKAGE,
            "CreationTime": "2026-01-01T00:00:00Z",
            "ModelPackageStatus": "Completed",
            "ModelPackageStatusDetails": {"ValidationStatuses": []},
        },
    )
    writes = {
        "train_uri": "s3://bkt-outputs/runs/wr_1/train/",
        "model_package_arn": PACKAGE,
        "n": "3",
    }
    assert missing_output(_client(s3, sm), writes, "wr_1") is None


def test_gone_s3_output(clients: tuple[Any, Any, Stubber]) -> None:
    s3, sm, _ = clients
    writes = {"train_uri": "s3://bkt-outputs/runs/wr_0/train/"}
    assert missing_output(_client(s3, sm), writes, "wr_0") == (
        "outputs of run wr_0 are gone (s3://bkt-outputs/runs/wr_0/train/)"
    )


def test_gone_model_package(clients: tuple[Any, Any, Stubber]) -> None:
    s3, sm, stub = clients
    # SageMaker's answer for a missing model package (ValidationException "does not exist").
    stub.add_client_error(
        "describe_model_package",
        "ValidationException",
        f"ModelPackage {PACKAGE} does not exist.",
        400,
    )
    assert missing_output(_client(s3, sm), {"model_package_arn": PACKAGE}, "wr_1") == (
        f"model package {PACKAGE} of run wr_1 is gone"
    )


def test_endpoint_gone_moved_or_never_deployed(clients: tuple[Any, Any, Stubber]) -> None:
    s3, sm, stub = clients
    writes = {"deployed_endpoint": "churn-xgb", "endpoint_config_name": "churn-xgb-wr1"}
    # SageMaker's answer for a missing endpoint (sagemaker_ops.is_not_found).
    stub.add_client_error(
        "describe_endpoint",
        "ValidationException",
        'Could not find endpoint "churn-xgb".',
        400,
    )
    assert missing_output(_client(s3, sm), writes, "wr_1") == (
        "endpoint churn-xgb deployed by run wr_1 is gone"
    )
    stub.add_response(
        "describe_endpoint",
        {
            "EndpointName": "churn-xgb",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-xgb",
            "EndpointConfigName": "churn-xgb-wr2",
            "EndpointStatus": "InService",
            "CreationTime": "2026-01-01T00:00:00Z",
            "LastModifiedTime": "2026-01-01T00:00:00Z",
        },
    )
    # a later deploy moved the endpoint on: not called a rollback
    assert missing_output(_client(s3, sm), writes, "wr_1") == (
        "endpoint churn-xgb now serves config churn-xgb-wr2, not churn-xgb-wr1 that run wr_1 "
        "deployed"
    )
    waiting = {
        "deployed_endpoint": "",
        "endpoint_config_name": "",
        "deploy_status": "awaiting_approval",
    }
    assert missing_output(_client(s3, sm), waiting, "wr_1") == (
        "run wr_1 deployed nothing (awaiting_approval)"
    )


def _package(status: str) -> dict[str, Any]:
    return {
        "ModelPackageName": "churn-xgb",
        "ModelPackageArn": PACKAGE,
        "CreationTime": "2026-01-01T00:00:00Z",
        "ModelPackageStatus": "Completed",
        "ModelPackageStatusDetails": {"ValidationStatuses": []},
        "ModelApprovalStatus": status,
    }


def test_a_deploy_of_a_package_rejected_since_is_not_served(
    clients: tuple[Any, Any, Stubber],
) -> None:
    """glue-wf approve --reject after the run: the deploy entry must not claim the
    endpoint is deployed; the deploy node decides again (a registration is not redone)."""
    s3, sm, stub = clients
    writes = {"deployed_endpoint": "churn-xgb", "endpoint_config_name": "churn-xgb-wr1"}
    reads = {"model_package_arn": PACKAGE, "endpoint_name": "churn-xgb"}
    stub.add_response("describe_model_package", _package("Rejected"))
    assert missing_output(_client(s3, sm), writes, "wr_1", reads) == (
        f"model package {PACKAGE} that run wr_1 deployed is now Rejected"
    )
    # the registration itself stays served: its package still exists
    stub.add_response("describe_model_package", _package("Rejected"))
    assert missing_output(_client(s3, sm), {"model_package_arn": PACKAGE}, "wr_1") is None

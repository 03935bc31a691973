"""The local target answers a missing resource exactly as AWS does: code, HTTP status,
message (tests/awsanswers.py; sources in docs/aws-parity.md), for every Describe/Get
the jobs, the deployer and the CLI use, and the shared classifier recognises each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest
from awsanswers import not_found
from botocore.exceptions import ClientError

from glue_workflow.aws.errors import ResourceNotFound, translate
from glue_workflow.config import LOCAL_ACCOUNT_ID
from glue_workflow.jobkit import aws_errors

REGION = "us-east-1"
PACKAGE = f"arn:aws:sagemaker:{REGION}:{LOCAL_ACCOUNT_ID}:model-package/nope/1"


@pytest.fixture
def clients(local_home: Path) -> dict[str, Any]:
    made = {
        name: boto3.client(name, region_name=REGION)  # type: ignore[call-overload]
        for name in ("sagemaker", "sagemaker-runtime", "glue", "s3")
    }
    made["s3"].create_bucket(Bucket="present")
    return made


CASES: list[tuple[str, str, str, Callable[[str], dict[str, Any]]]] = [
    # (service, boto3 method, name, request for that name)
    ("sagemaker", "describe_training_job", "nope", lambda n: {"TrainingJobName": n}),
    ("sagemaker", "stop_training_job", "nope", lambda n: {"TrainingJobName": n}),
    ("sagemaker", "describe_processing_job", "nope", lambda n: {"ProcessingJobName": n}),
    ("sagemaker", "stop_processing_job", "nope", lambda n: {"ProcessingJobName": n}),
    ("sagemaker", "describe_model", "Nope-Model", lambda n: {"ModelName": n}),
    ("sagemaker", "delete_model", "nope", lambda n: {"ModelName": n}),
    ("sagemaker", "describe_endpoint_config", "nope", lambda n: {"EndpointConfigName": n}),
    ("sagemaker", "delete_endpoint_config", "nope", lambda n: {"EndpointConfigName": n}),
    ("sagemaker", "describe_endpoint", "nope", lambda n: {"EndpointName": n}),
    ("sagemaker", "delete_endpoint", "nope", lambda n: {"EndpointName": n}),
    ("sagemaker", "describe_model_package_group", "nope", lambda n: {"ModelPackageGroupName": n}),
    ("sagemaker", "describe_model_package", PACKAGE, lambda n: {"ModelPackageName": n}),
    (
        "sagemaker-runtime",
        "invoke_endpoint",
        "nope",
        lambda n: {"EndpointName": n, "ContentType": "text/csv", "Body": b"1"},
    ),
    ("glue", "get_job", "nope", lambda n: {"JobName": n}),
    ("s3", "get_object", "nope.csv", lambda n: {"Bucket": "present", "Key": n}),
    ("s3", "list_objects_v2", "absent", lambda n: {"Bucket": n}),
    ("s3", "head_object", "nope.csv", lambda n: {"Bucket": "present", "Key": n}),
    ("s3", "head_bucket", "absent", lambda n: {"Bucket": n}),
]


@pytest.mark.parametrize(
    ("service", "method", "name", "request_for"), CASES, ids=[c[1] for c in CASES]
)
def test_missing_resources_answer_as_aws_does(
    clients: dict[str, Any],
    service: str,
    method: str,
    name: str,
    request_for: Callable[[str], dict[str, Any]],
) -> None:
    with pytest.raises(ClientError) as info:
        getattr(clients[service], method)(**request_for(name))
    expected = not_found(method, name, account=LOCAL_ACCOUNT_ID, region=REGION)
    response = info.value.response
    assert (response["Error"]["Code"], response["Error"]["Message"]) == (
        expected.code,
        expected.message,
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == expected.status
    assert aws_errors.is_not_found(info.value)
    assert isinstance(translate(info.value, method), ResourceNotFound)


def test_referenced_missing_resources_use_the_same_answers(clients: dict[str, Any]) -> None:
    sm = clients["sagemaker"]
    with pytest.raises(ClientError) as config:
        sm.create_endpoint(EndpointName="ep", EndpointConfigName="no-config")
    assert config.value.response["Error"]["Message"] == (
        not_found("describe_endpoint_config", "no-config", account=LOCAL_ACCOUNT_ID).message
    )
    with pytest.raises(ClientError) as model:
        sm.create_endpoint_config(
            EndpointConfigName="cfg",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "no-model",
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
    assert model.value.response["Error"]["Message"] == (
        not_found("describe_model", "no-model", account=LOCAL_ACCOUNT_ID).message
    )

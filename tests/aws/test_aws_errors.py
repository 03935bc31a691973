"""The one "not found" classifier, against every real AWS answer it must recognise.

Each message is AWS's own (tests/awsanswers.py, sources in docs/aws-parity.md); the
classifier is shared by the jobs (glue_workflow.jobkit) and the deployer/CLI/console
(glue_workflow.aws.errors), so both layers are checked here.
"""

from __future__ import annotations

from typing import Any

import pytest
from awsanswers import not_found
from botocore.exceptions import ClientError

from glue_workflow.aws.errors import ResourceNotFound, translate
from glue_workflow.jobkit import aws_errors
from glue_workflow.jobkit import sagemaker_ops as ops

PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn/3"

REAL_NOT_FOUND = [
    # (operation, resource name): one per message shape AWS answers with
    ("describe_training_job", "churn-train-abc"),
    ("stop_training_job", "churn-train-abc"),
    ("describe_processing_job", "churn-evaluate-abc"),
    ("describe_model", "churn-model"),
    ("delete_model", "churn-model"),
    ("describe_endpoint_config", "churn-config"),
    ("delete_endpoint_config", "churn-config"),
    ("describe_endpoint", "churn"),
    ("delete_endpoint", "churn"),
    ("describe_model_package_group", "churn"),
    ("describe_model_package", PACKAGE_ARN),
    ("invoke_endpoint", "churn"),
    ("get_job", "churn-train"),
    ("get_object", "data/train.csv"),
    ("list_objects_v2", "bucket"),
    ("head_object", "data/train.csv"),
]


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "Op",
    )


@pytest.mark.parametrize(("operation", "name"), REAL_NOT_FOUND)
def test_every_real_not_found_answer_is_recognised(operation: str, name: str) -> None:
    answer = not_found(operation, name)
    exc = client_error(answer.code, answer.message, answer.status)
    assert aws_errors.is_not_found(exc)
    assert ops.is_not_found(exc)  # the jobs' view
    translated = translate(exc, f"x:{operation}")
    assert isinstance(translated, ResourceNotFound)  # the deployer's and CLI's view


def test_the_training_job_message_is_exactly_awss() -> None:
    # DescribeTrainingJob names nothing: the attach-or-create logic hinges on this text.
    assert not_found("describe_training_job").message == "Requested resource not found."
    assert aws_errors.is_not_found_answer("ValidationException", "Requested resource not found.")


def test_glue_missing_entities_key_on_the_code_whatever_the_message() -> None:
    for message in ("Job not found.", "Entity Not Found", "Workflow wf not found"):
        assert aws_errors.is_not_found_answer("EntityNotFoundException", message)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        # malformed requests share SageMaker's code but are not "not found"
        (
            "ValidationException",
            "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to "
            "satisfy constraint: Member must satisfy regular expression pattern: "
            "^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}",
        ),
        ("ValidationException", "Could not find model data at s3://bucket/model.tar.gz."),
        ("ValidationException", "ARN should be scoped to correct region: us-west-2"),
        ("ValidationException", 'Cannot create already existing endpoint "arn:aws:x".'),
        ("ValidationError", "Endpoint churn of account 123456789012 is not in service."),
        ("AccessDeniedException", "User: x is not authorized to perform: sagemaker:Describe"),
        ("ThrottlingException", "Rate exceeded"),
        ("ResourceInUse", "Training job names must be unique"),
    ],
)
def test_other_answers_are_not_taken_for_missing(code: str, message: str) -> None:
    exc = client_error(code, message)
    assert not aws_errors.is_not_found(exc)
    assert not isinstance(translate(exc, "x:Op"), ResourceNotFound)


def test_an_error_without_a_body_is_not_missing() -> None:
    exc = ClientError({}, "Op")
    assert not aws_errors.is_not_found(exc)
    assert aws_errors.error_code(exc) == ""


def _training_request(name: str) -> dict[str, object]:
    return {
        "TrainingJobName": name,
        "RoleArn": "arn:aws:iam::123456789012:role/sm",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }


def test_moto_fill_answers_as_aws_and_train_attaches_or_creates_on_it() -> None:
    moto = pytest.importorskip("moto")
    import boto3
    from awsanswers import ACCOUNT, use_aws_not_found_answers

    from glue_workflow.local import dispatch

    # moto, not the local target, must answer here, whatever an earlier test installed
    home = dispatch.installed_home()
    dispatch.uninstall()
    try:
        _run_train_attach_on_moto(moto, boto3, ACCOUNT, use_aws_not_found_answers)
    finally:
        if home is not None:
            dispatch.install(home)


def _run_train_attach_on_moto(moto: Any, boto3: Any, account: str, fill: Any) -> None:
    with moto.mock_aws():
        session = boto3.Session(region_name="us-east-1")
        fill(session.events, account=account, region="us-east-1")
        sm = session.client("sagemaker")
        with pytest.raises(ClientError) as missing:
            sm.describe_training_job(TrainingJobName="nope")
        assert missing.value.response["Error"]["Message"] == "Requested resource not found."
        with pytest.raises(ClientError) as endpoint:
            sm.describe_endpoint(EndpointName="Nope")
        assert endpoint.value.response["Error"]["Message"] == (
            f'Could not find endpoint "arn:aws:sagemaker:us-east-1:{account}:endpoint/nope".'
        )
        # the train job's logic: AWS's "not found" means create, then attach on a rerun
        args = {"workflow": "wf", "run_id": "wr_1", "node": "train"}
        name, attached = ops.start_or_attach_training_job(
            sm, build_request=_training_request, **args
        )
        assert attached is False
        assert ops.start_or_attach_training_job(sm, build_request=_training_request, **args) == (
            name,
            True,
        )

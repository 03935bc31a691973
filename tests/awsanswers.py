"""AWS's real "not found" answers, for test doubles (Stubber, before-call fills).

Each entry is what the service answers when the named resource does not exist: error
code, HTTP status and the exact message (sources in docs/aws-parity.md, "Error
answers"). Doubles use these instead of moto's or invented messages, so the code that
decides "not found" is tested against what AWS sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore import xform_name
from botocore.stub import Stubber

REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Answer:
    code: str
    message: str
    status: int = 400


def _arn(kind: str, name: str, account: str, region: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:{kind}/{name.lower()}"


def not_found(
    operation: str, name: str = "missing", *, account: str = ACCOUNT, region: str = REGION
) -> Answer:
    """AWS's answer to ``operation`` (boto3 method name) on a missing resource ``name``.

    For model packages ``name`` is the package ARN (what callers pass).
    """

    def arn(kind: str) -> str:
        return _arn(kind, name, account, region)

    config = f'Could not find endpoint configuration "{arn("endpoint-config")}".'
    group = f"ModelPackageGroup {arn('model-package-group')} does not exist."
    sagemaker = {
        "describe_training_job": "Requested resource not found.",
        "stop_training_job": "Requested resource not found.",
        "describe_processing_job": f"Could not find requested job with name {name}",
        "stop_processing_job": f"Could not find requested job with name {name}",
        "describe_model": f'Could not find model "{arn("model")}".',
        "delete_model": f'Could not find model "{arn("model")}".',
        "describe_endpoint_config": config,
        "delete_endpoint_config": config,
        "describe_endpoint": f'Could not find endpoint "{arn("endpoint")}".',
        "delete_endpoint": f'Could not find endpoint "{arn("endpoint")}".',
        "describe_model_package_group": group,
        "describe_model_package": f"ModelPackage {name} does not exist.",
    }
    if operation in sagemaker:
        return Answer("ValidationException", sagemaker[operation])
    if operation == "invoke_endpoint":
        return Answer("ValidationError", f"Endpoint {name} of account {account} not found.")
    if operation == "get_job":
        return Answer("EntityNotFoundException", "Job not found.")
    if operation == "get_object":
        return Answer("NoSuchKey", "The specified key does not exist.", 404)
    if operation in ("list_objects_v2", "put_object"):
        return Answer("NoSuchBucket", "The specified bucket does not exist", 404)
    if operation in ("head_object", "head_bucket"):
        return Answer("404", "Not Found", 404)
    raise KeyError(f"no recorded AWS not-found answer for {operation}")


def add_not_found(stub: Stubber, operation: str, name: str = "missing", **where: str) -> None:
    """Queue AWS's not-found answer for ``operation`` on a botocore Stubber."""
    answer = not_found(operation, name, **where)
    stub.add_client_error(operation, answer.code, answer.message, answer.status)


# moto answers a missing SageMaker resource with its own wording (e.g. "Could not find
# training job '<arn>'."), which AWS never sends: this fill rewrites those answers into
# AWS's, so code under test sees what AWS sends (aws-test-doubles.md §7).
_MOTO_NOT_FOUND = {
    # operation (boto3 method: botocore.xform_name) -> (request member naming the
    # resource, start of moto's message)
    "DescribeTrainingJob": ("TrainingJobName", "Could not find training"),
    "DescribeProcessingJob": ("ProcessingJobName", "Could not find processing"),
    "DescribeModel": ("ModelName", "Could not find model"),
    "DeleteModel": ("ModelName", "Could not find model"),
    "DescribeEndpointConfig": ("EndpointConfigName", "Could not find endpoint"),
    "DeleteEndpointConfig": ("EndpointConfigName", "Could not find endpoint"),
    "DescribeEndpoint": ("EndpointName", "Could not find endpoint"),
    "DeleteEndpoint": ("EndpointName", "Could not find endpoint"),
    "DescribeModelPackageGroup": ("ModelPackageGroupName", "ModelPackageGroup "),
    "DescribeModelPackage": ("ModelPackageName", "Model package "),
}
_STASH = "awsanswers.params"


def _stash(params: dict[str, object], context: dict[str, object], **_: object) -> None:
    context[_STASH] = params


def use_aws_not_found_answers(events: Any, *, account: str, region: str) -> None:
    """Register, on a boto3 session's (or client's) event system, the fill that turns
    moto's SageMaker not-found answers into AWS's (``not_found``)."""

    def rewrite(
        parsed: dict[str, object], model: object, context: dict[str, object], **_: object
    ) -> None:
        operation = str(getattr(model, "name", ""))
        error = parsed.get("Error")
        if operation not in _MOTO_NOT_FOUND or not isinstance(error, dict):
            return
        member, moto_start = _MOTO_NOT_FOUND[operation]
        if error.get("Code") != "ValidationException" or not str(
            error.get("Message", "")
        ).startswith(moto_start):
            return
        params = context.get(_STASH)
        name = str(params.get(member, "")) if isinstance(params, dict) else ""
        answer = not_found(xform_name(operation), name, account=account, region=region)
        error["Message"] = answer.message

    events.register("before-parameter-build.sagemaker", _stash)
    events.register("after-call.sagemaker", rewrite)

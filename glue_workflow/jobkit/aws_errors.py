"""Which AWS error answers mean "the resource does not exist".

The one classifier for the job library and the rest of glue-wf (``glue_workflow.aws.
errors`` builds its ``ResourceNotFound`` on it). Runs on Glue's Python shell (Python
3.9, stdlib + botocore): no 3.10+ syntax or APIs, no import from outside jobkit.

Glue, S3 and IAM name a missing resource with a dedicated error code. SageMaker does
not: a Describe/Delete of a missing training job, processing job, model, endpoint
config, endpoint or Model Registry entry answers ``ValidationException`` (HTTP 400),
the same code as a malformed request, so the message tells them apart. The messages
below are AWS's (sources in docs/aws-parity.md, "Error answers"); matching keys on
the code plus a message shape, never on the code alone.
"""

from __future__ import annotations

import re
from typing import Any

# Codes that only ever mean "not found".
NOT_FOUND_CODES = frozenset(
    {
        "EntityNotFoundException",  # Glue (API reference: "A specified entity does not exist.")
        "NoSuchKey",  # S3 GetObject
        "NoSuchBucket",  # S3 on a missing bucket
        "404",  # S3 HeadObject / HeadBucket: no body, so botocore uses the HTTP status
        "NotFound",
        "NoSuchEntity",  # IAM GetRole
        "ResourceNotFound",  # SageMaker, e.g. DescribeHyperParameterTuningJob
        "ResourceNotFoundException",
    }
)

# SageMaker's ValidationException messages for a missing resource: starts of message.
SAGEMAKER_NOT_FOUND_PREFIXES = (
    # DescribeTrainingJob / StopTrainingJob: exactly "Requested resource not found."
    "Requested resource not found",
    # DescribeProcessingJob / StopProcessingJob: "Could not find requested job with name <name>"
    "Could not find requested job",
    # DescribeModel / DeleteModel: 'Could not find model "<model ARN>".' (the quote keeps
    # CreateModel's "Could not find model data at s3://..." out)
    'Could not find model "',
    # DescribeEndpoint / DeleteEndpoint: 'Could not find endpoint "<endpoint ARN>".'
    'Could not find endpoint "',
    # DescribeEndpointConfig / DeleteEndpointConfig:
    # 'Could not find endpoint configuration "<endpoint-config ARN>".'
    'Could not find endpoint configuration "',
)
# DescribeModelPackageGroup / DescribeModelPackage:
# "ModelPackageGroup <group ARN> does not exist." / "ModelPackage <package ARN> does not exist."
SAGEMAKER_NOT_FOUND_SUBJECTS = ("ModelPackageGroup ", "ModelPackage ")
SAGEMAKER_NOT_FOUND_SUFFIX = "does not exist."
# sagemaker-runtime InvokeEndpoint on a missing endpoint answers code ValidationError with
# "Endpoint <name> of account <account> not found."
RUNTIME_NOT_FOUND = re.compile(r"Endpoint \S+ of account \d{12} not found\.")


def error_code(exc: Any) -> str:
    """The AWS error code of a botocore ``ClientError`` ("" when it has none)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", "") or "")


def error_message(exc: Any) -> str:
    """The AWS error message of a botocore ``ClientError`` ("" when it has none)."""
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Message", "") or response.get("Message", "") or "")


def is_not_found_answer(code: str, message: str) -> bool:
    """True when an AWS error ``code`` + ``message`` says the resource does not exist."""
    if code in NOT_FOUND_CODES:
        return True
    if code == "ValidationError":
        return RUNTIME_NOT_FOUND.fullmatch(message.strip()) is not None
    if code != "ValidationException":
        return False
    message = message.strip()
    if message.startswith(SAGEMAKER_NOT_FOUND_PREFIXES):
        return True
    return message.startswith(SAGEMAKER_NOT_FOUND_SUBJECTS) and message.endswith(
        SAGEMAKER_NOT_FOUND_SUFFIX
    )


def is_not_found(exc: Any) -> bool:
    """True when a botocore ``ClientError`` says the resource does not exist."""
    return is_not_found_answer(error_code(exc), error_message(exc))

"""botocore errors → the product's error hierarchy (``glue_workflow.errors``).

The "not found" decision is the job library's (``glue_workflow.jobkit.aws_errors``):
jobs run on Glue's Python shell and cannot import this package, so the classifier
lives there and is reused here, never copied.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    ParamValidationError,
)

from glue_workflow.errors import (
    ConfigError,
    DeployError,
    GlueWfError,
    NotFoundError,
    NotSupportedError,
)
from glue_workflow.jobkit import aws_errors

# A service refusing a role it cannot assume: Glue "Unable to assume role for arn: ..."
# (hashicorp/terraform#32087), "... should be given assume role permissions for Glue
# Service"; SageMaker "Could not assume role ... allows principal
# 'sagemaker.amazonaws.com' to assume the role". Also what AWS answers while a freshly
# created role has not propagated yet, so they are retried for a while first.
ROLE_TRUST_MARKERS = (
    "cannot be assumed",
    "unable to assume",
    "could not assume",
    "assume role permissions",
)
# The caller may not hand the role over (or assume one): its own policy is missing it.
CALLER_ROLE_MARKERS = (
    "not authorized to perform: iam:passrole",
    "not authorized to perform: sts:assumerole",
)
IAM_PROPAGATION_MARKERS = ROLE_TRUST_MARKERS + CALLER_ROLE_MARKERS
ROLE_TRUST_HINT = (
    "the service cannot assume the role: its trust policy must allow the service "
    "(glue.amazonaws.com for Glue jobs, sagemaker.amazonaws.com for SageMaker) "
    "sts:AssumeRole, as the roles glue-wf infra deploy creates do; check the role ARN in "
    "glue-wf.toml, and that the role exists"
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "403"}
)
# The request's credentials were refused (AWS's common errors: ExpiredTokenException,
# UnrecognizedClientException, InvalidClientTokenId, SignatureDoesNotMatch; S3's
# ExpiredToken / InvalidAccessKeyId): no permission is missing, the identity is.
CREDENTIAL_CODES = frozenset(
    {
        "ExpiredTokenException",
        "ExpiredToken",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "RequestExpired",
        "InvalidSignatureException",
    }
)
CONFLICT_CODES = frozenset({"AlreadyExistsException", "ConcurrentModificationException"})


class AwsCallError(GlueWfError):
    """Base of translated AWS errors; carries the operation and the AWS error code."""

    def __init__(self, message: str, *, operation: str, code: str) -> None:
        super().__init__(message)
        self.operation = operation
        self.code = code


class ResourceNotFound(AwsCallError, NotFoundError):
    """The named resource does not exist (``glue_workflow.jobkit.aws_errors`` decides)."""


class ResourceConflict(AwsCallError, DeployError):
    """The resource already exists or changed under us (AlreadyExists, concurrent edits)."""


class AccessDenied(AwsCallError, DeployError):
    """The caller's credentials lack a permission."""


class NotSupportedByTarget(AwsCallError, NotSupportedError):
    """The target (e.g. the local target) does not implement the operation."""


def error_code(exc: ClientError) -> str:
    return aws_errors.error_code(exc) or "Unknown"


def error_message(exc: ClientError) -> str:
    return aws_errors.error_message(exc) or str(exc)


def is_not_found(exc: ClientError) -> bool:
    """True when ``exc`` says the resource does not exist (AWS's codes and messages)."""
    return aws_errors.is_not_found(exc)


def is_iam_propagation(exc: ClientError) -> bool:
    text = error_message(exc).lower()
    return any(marker in text for marker in IAM_PROPAGATION_MARKERS)


def translate(
    exc: ClientError,
    operation: str,
    *,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
    attempts: int = 1,
) -> GlueWfError:
    """The ``GlueWfError`` for a ``ClientError`` of ``operation`` (e.g. "glue:GetJob").

    ``base`` is the class for errors with no narrower one; ``hint`` (what to do about
    it) is appended in parentheses.
    """
    code = error_code(exc)
    message = error_message(exc)
    tail = f" ({hint})" if hint else ""
    retried = f" after {attempts} attempts" if attempts > 1 else ""
    text = f"{operation} failed{retried}: {code}: {message}"
    if aws_errors.is_not_found_answer(code, message):
        return ResourceNotFound(text + tail, operation=operation, code=code)
    if code in CONFLICT_CODES:
        return ResourceConflict(
            text + tail + "; another deploy or a manual edit changed it: rerun the command",
            operation=operation,
            code=code,
        )
    if code in CREDENTIAL_CODES:
        return ConfigError(
            text + tail + "; AWS refused the credentials themselves: refresh them (aws sso "
            "login, new session credentials or access keys), check which profile is used "
            "(AWS_PROFILE, --profile) and, for a signature error, the machine's clock"
        )
    lowered = message.lower()
    if code != "Unknown" and any(m in lowered for m in ROLE_TRUST_MARKERS):
        return AccessDenied(text + tail + "; " + ROLE_TRUST_HINT, operation=operation, code=code)
    if code in ACCESS_DENIED_CODES or (code != "Unknown" and is_iam_propagation(exc)):
        return AccessDenied(
            text + tail + "; grant the permission to the caller (see infra/ for the "
            "policies glue-wf needs)",
            operation=operation,
            code=code,
        )
    if code == "NotSupportedLocally":
        return NotSupportedByTarget(message, operation=operation, code=code)
    return base(text + tail)


def translate_botocore(
    exc: BotoCoreError, operation: str, *, base: type[GlueWfError] = DeployError
) -> GlueWfError:
    """The ``GlueWfError`` for a botocore error raised before AWS answered."""
    if isinstance(exc, NoCredentialsError):
        return ConfigError(
            f"{operation}: no AWS credentials found: configure the standard boto3 "
            "credential chain (AWS_PROFILE, environment, SSO), or use --target local"
        )
    if isinstance(exc, NoRegionError):
        return ConfigError(f"{operation}: no AWS region: set region in glue-wf.toml or AWS_REGION")
    if isinstance(exc, EndpointConnectionError):
        return base(f"{operation}: cannot reach the endpoint: {exc}")
    if isinstance(exc, ParamValidationError):
        # A request glue-wf built failed botocore's model check: a bug, but say where.
        return base(f"{operation}: request rejected by the service model: {exc}")
    return base(f"{operation}: {exc}")


def operation_name(client: object, method: str) -> str:
    """``glue:GetJob`` for ``client.get_job``: the name messages and IAM use."""
    meta = getattr(client, "meta", None)
    model = getattr(meta, "service_model", None)
    if model is None:  # not a botocore client (a test double): the method is all we know
        return method
    # the signing name is the IAM prefix ("sagemaker" for sagemaker-runtime's calls)
    prefix = str(model.metadata.get("signingName") or model.service_name)
    names: dict[str, str] = getattr(meta, "method_to_api_mapping", {}) or {}
    return f"{prefix}:{names.get(method, method)}"

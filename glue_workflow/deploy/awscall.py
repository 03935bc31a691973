"""One AWS call: retries with capped backoff and jitter, then error-code translation.

botocore's adaptive retry mode (``glue_workflow.clients``) handles transport errors
and most throttling; this layer adds the domain retries botocore does not know:
``ConcurrentModificationException`` (parallel writers on one workflow), throttling
that survived botocore, and IAM eventual consistency right after a role is created
("role cannot be assumed", "not authorized to perform: iam:PassRole"). Whatever is
left becomes a ``GlueWfError`` naming the operation, the AWS code and the fix.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

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

T = TypeVar("T")

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "OperationTimeoutException",
        "InternalServiceException",
    }
)
CONCURRENCY_CODES = frozenset({"ConcurrentModificationException"})
# Messages AWS returns while a freshly created role has not propagated yet.
IAM_PROPAGATION_MARKERS = (
    "cannot be assumed",
    "unable to assume",
    "assume role permissions",
    "not authorized to perform: iam:passrole",
    "not authorized to perform: sts:assumerole",
)
ACCESS_DENIED_CODES = frozenset(
    {"AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "403"}
)


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


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter, bounded by attempts and a deadline."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 15.0
    # IAM propagation usually settles within seconds, occasionally a minute or two.
    iam_deadline: float = 60.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def delay(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (1-based)."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(cap * self.rng())


NO_RETRY = RetryPolicy(max_attempts=1, iam_deadline=0.0)


def error_code(exc: ClientError) -> str:
    return aws_errors.error_code(exc) or "Unknown"


def error_message(exc: ClientError) -> str:
    error = exc.response.get("Error", {})
    return str(error.get("Message") or exc.response.get("Message") or exc)


def is_not_found(exc: ClientError) -> bool:
    """True when ``exc`` says the resource does not exist (AWS's codes and messages)."""
    return aws_errors.is_not_found(exc)


def is_iam_propagation(exc: ClientError) -> bool:
    text = error_message(exc).lower()
    return any(marker in text for marker in IAM_PROPAGATION_MARKERS)


def retryable(exc: ClientError) -> str | None:
    """Why ``exc`` is worth retrying ("throttling", "concurrency", "iam"), or None."""
    code = error_code(exc)
    if code in THROTTLING_CODES:
        return "throttling"
    if code in CONCURRENCY_CODES:
        return "concurrency"
    if is_iam_propagation(exc):
        return "iam"
    return None


def call(
    operation: str,
    fn: Callable[[], T],
    *,
    policy: RetryPolicy,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
) -> T:
    """Run ``fn`` (one AWS call named ``operation``, e.g. "glue:CreateJob") with retries.

    Translates the final failure into a ``GlueWfError``: ``base`` for errors with no
    narrower class, with ``hint`` appended (what to do about it).
    """
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        try:
            return fn()
        except ClientError as exc:
            reason = retryable(exc)
            if reason is not None and _may_retry(reason, attempt, started, policy):
                policy.sleep(policy.delay(attempt))
                continue
            raise translate(exc, operation, base=base, hint=hint, attempts=attempt) from exc
        except NoCredentialsError as exc:
            raise ConfigError(
                f"{operation}: no AWS credentials found: configure the standard boto3 "
                "credential chain (AWS_PROFILE, environment, SSO), or use --target local"
            ) from exc
        except NoRegionError as exc:
            raise ConfigError(
                f"{operation}: no AWS region: set region in glue-wf.toml or AWS_REGION"
            ) from exc
        except EndpointConnectionError as exc:
            raise base(f"{operation}: cannot reach the endpoint: {exc}") from exc
        except ParamValidationError as exc:
            # A request glue-wf built failed botocore's model check: a bug, but say where.
            raise base(f"{operation}: request rejected by the service model: {exc}") from exc
        except BotoCoreError as exc:
            raise base(f"{operation}: {exc}") from exc


def _may_retry(reason: str, attempt: int, started: float, policy: RetryPolicy) -> bool:
    if reason == "iam":
        return (
            time.monotonic() - started < policy.iam_deadline
            and attempt < max(policy.max_attempts, 2) * 3
        )
    return attempt < policy.max_attempts


def translate(
    exc: ClientError,
    operation: str,
    *,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
    attempts: int = 1,
) -> GlueWfError:
    """The ``GlueWfError`` for a ``ClientError`` of ``operation``."""
    code = error_code(exc)
    message = error_message(exc)
    tail = f" ({hint})" if hint else ""
    retried = f" after {attempts} attempts" if attempts > 1 else ""
    text = f"{operation} failed{retried}: {code}: {message}"
    if aws_errors.is_not_found_answer(code, message):
        return ResourceNotFound(text + tail, operation=operation, code=code)
    if code in {"AlreadyExistsException", "ConcurrentModificationException"}:
        return ResourceConflict(
            text + tail + "; another deploy or a manual edit changed it: rerun the command",
            operation=operation,
            code=code,
        )
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

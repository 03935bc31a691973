"""One AWS call: retries with capped backoff and jitter, then error translation.

botocore's adaptive retry mode (``glue_workflow.aws.clients``) handles transport errors
and most throttling; this layer adds the domain retries botocore does not know:
``ConcurrentModificationException`` (parallel writers on one workflow), throttling
that survived botocore, and IAM eventual consistency right after a role is created
("role cannot be assumed", "not authorized to perform: iam:PassRole"). Whatever is
left becomes a ``GlueWfError`` naming the operation, the AWS code and the fix
(``glue_workflow.aws.errors``).
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from botocore import xform_name
from botocore.exceptions import BotoCoreError, ClientError

from glue_workflow.aws.errors import (
    error_code,
    is_iam_propagation,
    operation_name,
    translate,
    translate_botocore,
)
from glue_workflow.errors import DeployError, GlueWfError

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
_ATTEMPTS = "glue_wf_attempts"  # set on the ClientError ``retrying`` gives up with


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """Capped exponential backoff with full jitter, bounded by attempts and a deadline."""

    max_attempts: int = 8
    base_delay: float = 0.5
    max_delay: float = 15.0
    # IAM propagation usually settles within seconds, occasionally a minute or two.
    iam_deadline: float = 60.0
    # which of ``retryable``'s reasons are retried
    reasons: frozenset[str] = frozenset({"throttling", "concurrency", "iam"})
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    rng: Callable[[], float] = field(default=random.random, repr=False, compare=False)

    def delay(self, attempt: int) -> float:
        """Full-jitter delay before retry number ``attempt`` (1-based)."""
        cap = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return float(cap * self.rng())


DEFAULT_POLICY = RetryPolicy()
NO_RETRY = RetryPolicy(max_attempts=1, iam_deadline=0.0)
# For callers that wait on their own (CloudFormation stack operations): a permission
# error there is the user's to fix, not IAM propagation to sit out.
THROTTLING_ONLY = RetryPolicy(max_attempts=6, max_delay=20.0, reasons=frozenset({"throttling"}))


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


def retrying(fn: Callable[[], T], *, policy: RetryPolicy = DEFAULT_POLICY) -> T:
    """``fn()``, retried on the answers ``retryable`` names while ``policy`` allows.

    The last ``ClientError`` propagates unchanged (``attempts_of`` says how many calls
    were made), for callers that decide on its code themselves; ``call`` translates it.
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
            setattr(exc, _ATTEMPTS, attempt)
            raise


def attempts_of(exc: ClientError) -> int:
    """How many calls ``retrying`` made before giving up with ``exc``."""
    return int(getattr(exc, _ATTEMPTS, 1))


def call(
    operation: str,
    fn: Callable[[], T],
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
) -> T:
    """Run ``fn`` (one AWS call named ``operation``, e.g. "glue:CreateJob") with retries.

    Translates the final failure into a ``GlueWfError``: ``base`` for errors with no
    narrower class, with ``hint`` appended (what to do about it).
    """
    try:
        return retrying(fn, policy=policy)
    except ClientError as exc:
        attempts = attempts_of(exc)
        raise translate(exc, operation, base=base, hint=hint, attempts=attempts) from exc
    except BotoCoreError as exc:
        raise translate_botocore(exc, operation, base=base) from exc


def request(
    client: Any,
    operation: str,
    *,
    policy: RetryPolicy = DEFAULT_POLICY,
    base: type[GlueWfError] = DeployError,
    hint: str = "",
    **params: Any,
) -> dict[str, Any]:
    """``client``'s ``operation`` ("GetWorkflow" or "get_workflow") through ``call``.

    Errors name the operation as IAM does ("glue:GetWorkflow").
    """
    method = xform_name(operation)
    send = functools.partial(getattr(client, method), **params)
    result: dict[str, Any] = call(
        operation_name(client, method), send, policy=policy, base=base, hint=hint
    )
    return result


def _may_retry(reason: str, attempt: int, started: float, policy: RetryPolicy) -> bool:
    if reason not in policy.reasons:
        return False
    if reason == "iam":
        return (
            time.monotonic() - started < policy.iam_deadline
            and attempt < max(policy.max_attempts, 2) * 3
        )
    return attempt < policy.max_attempts

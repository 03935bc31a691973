"""SageMaker helpers shared by the pipeline's Python shell jobs.

Runs on Glue's Python shell (Python 3.9, stdlib + boto3): no 3.10+ syntax or APIs.

* Names: deterministic from workflow + run ID + node (+ attempt), valid SageMaker
  names (``[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}``), so a retried Glue attempt finds its
  own training job and attaches to it instead of starting a duplicate.
* Waiting: our own poll loop with capped exponential backoff and a deadline derived
  from the job's ``MaxRuntimeInSeconds`` (the stock waiters poll every 60-120 s and
  treat ``Stopped`` as success).
* Terminal states: ``Failed`` and ``Stopped`` end the job with SageMaker's reason.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError

from glue_workflow.jobkit import aws_errors
from glue_workflow.jobkit.errors import JobFailed, JobInputError

NAME_MAX = 63
NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
CLIENT_TOKEN_MAX = 36
# Hex digits ending a scoped_name: the IAM scopes match them exactly (infra/scopes.py).
SCOPED_DIGEST = 10
# A Glue retry of a node makes at most this many SageMaker jobs for one run and node.
MAX_ATTEMPTS = 20
# StoppingCondition.MaxRuntimeInSeconds when a request leaves it out: one day (SageMaker
# API reference, StoppingCondition)
DEFAULT_MAX_RUNTIME_SECONDS = 86400

TRAINING_DONE = ("Completed",)
TRAINING_BAD = ("Failed", "Stopped")
ENDPOINT_BUSY = ("Creating", "Updating", "SystemUpdating", "RollingBack", "Deleting")


def failure(message: str) -> JobFailed:
    """The error that ends a job's node FAILED with ``message`` (via ``run_job``)."""
    return JobFailed(message)


# --------------------------------------------------------------------------- names


def _slug(text: str) -> str:
    """Letters, digits and single hyphens only (SageMaker allows no ``_`` or ``.``)."""
    return re.sub(r"-+", "-", re.sub(r"[^a-zA-Z0-9]", "-", text)).strip("-")


def resource_name(*, workflow: str, run_id: str, node: str, attempt: int = 1) -> str:
    """The SageMaker name of ``node``'s resource in one workflow run (and attempt).

    ``<workflow>-<node>-<12 hex of sha256(workflow, run_id, node)>[-a<attempt>]``,
    readable prefixes shortened so the result fits 63 characters. Deterministic:
    the same run, node and attempt always give the same name.
    """
    if attempt < 1:
        raise ValueError(f"attempt must be >= 1, got {attempt}")
    digest = hashlib.sha256(f"{workflow}\n{run_id}\n{node}".encode()).hexdigest()[:12]
    suffix = f"-{digest}" + (f"-a{attempt}" if attempt > 1 else "")
    head = "-".join(part for part in (_slug(workflow), _slug(node)) if part) or "glue-wf"
    head = head[: NAME_MAX - len(suffix)].rstrip("-")
    name = f"{head}{suffix}"
    if not NAME_PATTERN.fullmatch(name):  # pragma: no cover - guaranteed by construction
        raise ValueError(f"invalid SageMaker name {name!r}")
    return name


def scoped_name(base: str, run_id: str, *, max_len: int = NAME_MAX) -> str:
    """``<base>-<10 hex of sha256(run_id)>``: a per-run name under a user-chosen base.

    Used for endpoint configs (immutable: a new one per deploy) and models.
    """
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:SCOPED_DIGEST]
    head = _slug(base)[: max_len - len(digest) - 1].rstrip("-") or "glue-wf"
    return f"{head}-{digest}"


def client_token(run_id: str, node: str) -> str:
    """An idempotency token (1-36 of ``[a-zA-Z0-9-]``) from run ID + node."""
    return hashlib.sha256(f"{run_id}\n{node}".encode()).hexdigest()[:32]


def validate_name(kind: str, name: str) -> str:
    """Return ``name`` or raise naming SageMaker's rule (botocore checks no patterns)."""
    if len(name) > NAME_MAX or not NAME_PATTERN.fullmatch(name):
        raise failure(
            f"{kind} name {name!r} is not a valid SageMaker name: use at most 63 letters, "
            "digits and hyphens, starting and ending with a letter or digit"
        )
    return name


def seconds_arg(args: dict[str, str], name: str, default: int) -> int:
    """A positive whole number of seconds from job argument ``--name`` (else ``default``)."""
    value = args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= 2419200:
        raise JobInputError(
            f"job argument --{name}={value!r} must be a whole number of seconds "
            "between 1 and 2419200"
        )
    return int(value)


def count_arg(args: dict[str, str], name: str, default: int) -> int:
    """A positive instance count from job argument ``--name`` (else ``default``).

    Upper bounds are the account's quotas, which SageMaker itself checks.
    """
    value = args.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise JobInputError(f"job argument --{name}={value!r} must be a whole number >= 1")
    return int(value)


# ------------------------------------------------------------------------- errors


def error_code(exc: ClientError) -> str:
    return aws_errors.error_code(exc)


def is_not_found(exc: ClientError) -> bool:
    """True when ``exc`` says the resource does not exist.

    SageMaker answers a missing resource with ValidationException and a message per
    resource kind (e.g. DescribeTrainingJob: "Requested resource not found."); the
    codes and messages are in ``glue_workflow.jobkit.aws_errors``.
    """
    return aws_errors.is_not_found(exc)


def describe_or_none(
    describe: Callable[..., dict[str, Any]], **kwargs: Any
) -> dict[str, Any] | None:
    """``describe(**kwargs)``, or None when the resource does not exist."""
    try:
        return describe(**kwargs)
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


# ------------------------------------------------------------------------ polling


@dataclass(frozen=True)
class PollPolicy:
    """Capped exponential backoff: first delay, growth factor, largest delay (seconds)."""

    initial: float = 0.5
    factor: float = 1.5
    cap: float = 20.0

    def delays(self) -> Iterable[float]:
        delay = self.initial
        while True:
            yield delay
            delay = min(self.cap, delay * self.factor)


DEFAULT_POLL = PollPolicy()
# The longest wait between two describes, in seconds (default 20: AWS's describe APIs
# are rate limited). The local target sets 0.2: a local describe costs milliseconds,
# and a long sleep past the moment a job or endpoint settles is the node's idle time.
POLL_ENV = "GLUE_WF_POLL_SECONDS"


def default_poll() -> PollPolicy:
    """``DEFAULT_POLL``, capped at ``GLUE_WF_POLL_SECONDS`` when that is set (0 < s <= 20)."""
    try:
        cap = float(os.environ.get(POLL_ENV) or DEFAULT_POLL.cap)
    except ValueError:
        return DEFAULT_POLL
    if not 0 < cap <= DEFAULT_POLL.cap:
        return DEFAULT_POLL
    return PollPolicy(initial=min(DEFAULT_POLL.initial, cap), factor=DEFAULT_POLL.factor, cap=cap)


def deadline_seconds(max_runtime: int, *, slack: float = 900.0) -> float:
    """How long to wait for a job limited to ``max_runtime``: the limit plus start/upload slack."""
    return float(max_runtime) + slack


def poll(
    describe: Callable[[], dict[str, Any]],
    *,
    status_of: Callable[[dict[str, Any]], str],
    done: tuple[str, ...],
    what: str,
    timeout: float,
    policy: PollPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_change: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Describe until ``status_of(description)`` is in ``done`` or ``timeout`` passes.

    Returns the last description (callers check which terminal state it is);
    raises a failure naming ``what`` and the last status on timeout.
    """
    deadline = clock() + timeout
    last_status = None
    for delay in (policy or default_poll()).delays():
        description = describe()
        status = status_of(description)
        if status != last_status and on_change is not None:
            on_change(description)
        last_status = status
        if status in done:
            return description
        remaining = deadline - clock()
        if remaining <= 0:
            raise failure(
                f"{what} still {status} after {timeout:.0f} s: gave up waiting (it may still "
                "be running; check it in the SageMaker console)"
            )
        sleep(min(delay, remaining))
    raise AssertionError("unreachable")  # pragma: no cover


def _log(message: str) -> None:
    print(message, flush=True)


# ----------------------------------------------------------------- training jobs


def failure_reason(description: dict[str, Any]) -> str:
    reason = description.get("FailureReason") or description.get("ExitMessage") or ""
    return str(reason).strip() or "SageMaker gave no FailureReason"


@dataclass(frozen=True)
class _JobKind:
    """What differs between SageMaker training and processing jobs for these helpers."""

    label: str  # "training" | "processing"
    describe: str  # the client's describe method
    create: str  # the client's create method
    name_key: str  # TrainingJobName | ProcessingJobName
    status_key: str  # TrainingJobStatus | ProcessingJobStatus


_TRAINING = _JobKind(
    "training",
    "describe_training_job",
    "create_training_job",
    "TrainingJobName",
    "TrainingJobStatus",
)
_PROCESSING = _JobKind(
    "processing",
    "describe_processing_job",
    "create_processing_job",
    "ProcessingJobName",
    "ProcessingJobStatus",
)


def _start_or_attach(
    sm: Any,
    kind: _JobKind,
    *,
    workflow: str,
    run_id: str,
    node: str,
    build_request: Callable[[str], dict[str, Any]],
) -> tuple[str, bool]:
    describe = getattr(sm, kind.describe)
    create = getattr(sm, kind.create)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        name = resource_name(workflow=workflow, run_id=run_id, node=node, attempt=attempt)
        existing = describe_or_none(describe, **{kind.name_key: name})
        if existing is None:
            try:
                create(**build_request(name))
            except ClientError as exc:
                # Another attempt created it between our describe and create: attach.
                if error_code(exc) != "ResourceInUse":
                    raise
                _log(f"{kind.label} job {name} appeared concurrently; attaching")
                return name, True
            _log(f"started {kind.label} job {name}")
            return name, False
        status = existing.get(kind.status_key)
        if status in TRAINING_BAD:
            _log(
                f"{kind.label} job {name} of an earlier attempt ended {status}; starting a new one"
            )
            continue
        _log(f"attaching to {kind.label} job {name} of an earlier attempt ({status})")
        return name, True
    raise failure(
        f"{MAX_ATTEMPTS} {kind.label} jobs already failed for node {node!r} of run {run_id}: "
        "not starting another; fix the cause and resume the run"
    )


def _wait_job(
    sm: Any,
    kind: _JobKind,
    name: str,
    *,
    policy: PollPolicy | None,
    sleep: Callable[[float], None],
) -> dict[str, Any]:
    describe = getattr(sm, kind.describe)
    policy = policy or default_poll()
    sleep(policy.initial)  # a job just created is never done at once: first look after a beat
    first = describe(**{kind.name_key: name})
    max_runtime = int(
        first.get("StoppingCondition", {}).get("MaxRuntimeInSeconds", DEFAULT_MAX_RUNTIME_SECONDS)
    )

    def show(description: dict[str, Any]) -> None:
        secondary = description.get("SecondaryStatus")
        _log(
            f"{kind.label} job {name}: {description.get(kind.status_key)}"
            + (f" ({secondary})" if secondary else "")
        )

    final: dict[str, Any] = poll(
        lambda: describe(**{kind.name_key: name}),
        status_of=lambda d: str(d.get(kind.status_key)),
        done=TRAINING_DONE + TRAINING_BAD,
        what=f"{kind.label} job {name}",
        timeout=deadline_seconds(max_runtime),
        policy=policy,
        sleep=sleep,
        on_change=show,
    )
    status = final.get(kind.status_key)
    if status != "Completed":
        raise failure(f"{kind.label} job {name} {status}: {failure_reason(final)}")
    return final


def start_or_attach_training_job(
    sm: Any,
    *,
    workflow: str,
    run_id: str,
    node: str,
    build_request: Callable[[str], dict[str, Any]],
) -> tuple[str, bool]:
    """Find this run's training job for ``node`` or create it; returns (name, attached).

    Attempt names are tried in order: a job that is running or completed is this
    node's earlier attempt and is attached to (no duplicate training); a Failed or
    Stopped one belongs to an earlier failed attempt, so the next name is tried.
    """
    return _start_or_attach(
        sm, _TRAINING, workflow=workflow, run_id=run_id, node=node, build_request=build_request
    )


def wait_training_job(
    sm: Any,
    name: str,
    *,
    policy: PollPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Wait for a training job; return its description if Completed, else fail with the reason."""
    return _wait_job(sm, _TRAINING, name, policy=policy, sleep=sleep)


def start_or_attach_processing_job(
    sm: Any,
    *,
    workflow: str,
    run_id: str,
    node: str,
    build_request: Callable[[str], dict[str, Any]],
) -> tuple[str, bool]:
    """Like ``start_or_attach_training_job`` for processing jobs."""
    return _start_or_attach(
        sm, _PROCESSING, workflow=workflow, run_id=run_id, node=node, build_request=build_request
    )


def wait_processing_job(
    sm: Any,
    name: str,
    *,
    policy: PollPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """Wait for a processing job; return its description if Completed, else fail with the reason."""
    return _wait_job(sm, _PROCESSING, name, policy=policy, sleep=sleep)


# --------------------------------------------------------------------- endpoints


def wait_endpoint_settled(
    sm: Any,
    name: str,
    *,
    timeout: float = 3600.0,
    policy: PollPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] = _log,
) -> dict[str, Any]:
    """Wait until an endpoint is no longer Creating/Updating/...; return its description."""
    policy = policy or default_poll()
    sleep(policy.initial)
    return poll(
        lambda: sm.describe_endpoint(EndpointName=name),
        status_of=lambda d: str(d.get("EndpointStatus")),
        done=("InService", "Failed", "OutOfService", "UpdateRollbackFailed"),
        what=f"endpoint {name}",
        timeout=timeout,
        policy=policy,
        sleep=sleep,
        on_change=lambda d: log(f"endpoint {name}: {d.get('EndpointStatus')}"),
    )


def check_endpoint_serves(description: dict[str, Any], config_name: str) -> None:
    """Fail unless the endpoint is InService on ``config_name``.

    A rolled-back blue/green update also ends InService, on the old config: that
    is a failed deployment, not a success.
    """
    name = description.get("EndpointName")
    status = description.get("EndpointStatus")
    current = description.get("EndpointConfigName")
    if status != "InService":
        raise failure(f"endpoint {name} is {status}: {failure_reason(description)}")
    if current != config_name:
        reason = description.get("FailureReason") or "the update was rolled back"
        raise failure(
            f"endpoint {name} is InService on config {current}, not the new {config_name}: {reason}"
        )


# ------------------------------------------------------ S3 objects the jobs read


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` -> (bucket, key); fails naming the bad URI."""
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", uri)
    if not match:
        raise failure(f"{uri!r} is not an s3://bucket/key URI")
    return match.group(1), match.group(2)


def read_s3_bytes(s3: Any, uri: str) -> bytes:
    bucket, key = split_s3_uri(uri)
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    except ClientError as exc:
        raise failure(f"cannot read {uri}: {exc}") from exc
    return bytes(body.read())


def first_object_under(s3: Any, prefix_uri: str, *, suffix: str = "") -> str:
    """The URI of the first object (in key order) under an S3 prefix, ending with ``suffix``."""
    bucket, prefix = split_s3_uri(prefix_uri)
    response = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    keys = sorted(
        item["Key"]
        for item in response.get("Contents", [])
        if item["Key"].endswith(suffix)
        and not item["Key"].endswith("/")
        and item.get("Size", 1) > 0
    )
    if not keys:
        raise failure(f"no {suffix or 'non-empty'} object under {prefix_uri}")
    return f"s3://{bucket}/{keys[0]}"

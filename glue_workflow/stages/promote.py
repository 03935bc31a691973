"""Promote an Approved model package to a stage's endpoint, blue/green, with rollback.

The same SageMaker requests as the pipeline's ``deploy`` job
(``glue_workflow.jobkit.endpoint_deploy``): CreateModel from the package, a new
EndpointConfig, CreateEndpoint or a blue/green UpdateEndpoint, wait until InService
on the new config, then a smoke test (InvokeEndpoint with sample rows, one numeric
score per row). If the smoke test fails, the endpoint is updated back to the config
it served before (or, on a first deployment, deleted) and the new config and model
are removed. Only a promotion that passed is recorded, as a tag on the package. A
package that scores another row layout than the endpoint serves is refused first
(``feature_layout``) unless ``allow_feature_change``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.errors import ConfigError, RunError
from glue_workflow.jobkit import endpoint_deploy as rollout
from glue_workflow.jobkit import feature_layout
from glue_workflow.jobkit import sagemaker_ops as ops
from glue_workflow.jobkit.errors import JobFailed
from glue_workflow.stage_config import Stage
from glue_workflow.stages import records

Log = Callable[[str], None]


class PromotionError(RunError):
    """A promotion was refused or did not pass; the endpoint is left serving what it was."""


@dataclass(frozen=True, kw_only=True)
class Clients:
    """The boto3 clients a promotion uses (``glue_workflow.aws.clients.client``)."""

    sm: Any
    runtime: Any
    s3: Any
    sts: Any


@dataclass(frozen=True, kw_only=True)
class Promotion:
    """A promotion that passed its smoke test."""

    package_arn: str
    stage: str
    endpoint: str
    endpoint_config: str
    previous_config: str | None
    scores: tuple[float, ...]
    at: str
    by: str
    user: str


def names(stage: Stage, package_arn: str) -> str:
    """Model and endpoint config name for ``package_arn`` on ``stage`` (one per pair)."""
    key = f"{package_arn}\n{stage.instance_type}\n{stage.instance_count}"
    digest = hashlib.sha256(key.encode()).hexdigest()
    return ops.scoped_name(stage.endpoint, digest)


def check_promotable(package: dict[str, Any], tags: dict[str, str], stage: Stage) -> None:
    """Refuse a package that is not Approved, was not promoted to the stage before this one
    (``after``), or lacks the manual approval the stage wants."""
    arn = package["ModelPackageArn"]
    short = f"{package.get('ModelPackageGroupName')}/{package.get('ModelPackageVersion')}"
    status = package.get("ModelApprovalStatus")
    if status != "Approved":
        raise PromotionError(
            f"promote: model package {arn} is {status}, not Approved: only an Approved "
            f"package is promoted; approve it first with 'glue-wf approve {short}'"
        )
    promoted = {row["stage"] for row in records.promotions(tags)}
    if stage.after is not None and stage.after not in promoted:
        raise PromotionError(
            f"promote: stage {stage.name!r} takes packages promoted to {stage.after!r} first "
            f"(after in [stages.{stage.name}] of glue-wf.toml), and {arn} has no promotion "
            f"to {stage.after!r}: run 'glue-wf promote {short} --to {stage.after}' first"
        )
    if stage.approval_required and stage.name not in records.approvals(tags):
        raise PromotionError(
            f"promote: stage {stage.name!r} requires a manual approval of {arn} "
            f"(approval_required in [stages.{stage.name}] of glue-wf.toml): record it with "
            f"'glue-wf approve --stage {stage.name} {short}', then promote again"
        )


def sample_rows(
    clients: Clients, package: dict[str, Any], stage: Stage, given: list[str]
) -> list[str]:
    """Smoke-test rows: given, else the stage's smoke_test_uri, else the package's test-uri."""
    if given:
        return given
    uri = stage.smoke_test_uri or (package.get("CustomerMetadataProperties") or {}).get("test-uri")
    if not uri:
        raise ConfigError(
            f"promote: no smoke-test rows for stage {stage.name!r}: the package records no "
            f"test-uri; set smoke_test_uri in [stages.{stage.name}] of glue-wf.toml or pass "
            "--sample FILE (CSV feature rows, no label)"
        )
    source = (
        f"smoke_test_uri of [stages.{stage.name}] in glue-wf.toml"
        if stage.smoke_test_uri
        else "the package's test-uri"
    )
    try:
        return rollout.smoke_rows(clients.s3, uri)
    except JobFailed as exc:
        raise ConfigError(f"promote: smoke-test rows from {source}: {exc}") from None


def promote(
    clients: Clients,
    package_arn: str,
    stage: Stage,
    *,
    role_arn: str,
    sample: list[str] | None = None,
    allow_feature_change: bool = False,
    log: Log = print,
) -> Promotion:
    """Promote ``package_arn`` to ``stage``; PromotionError (after any rollback) if it fails."""
    sm = clients.sm
    package = sm.describe_model_package(ModelPackageName=package_arn)
    package_arn = str(package["ModelPackageArn"])
    tags = records.list_tags(sm, package_arn)
    check_promotable(package, tags, stage)
    rows = sample_rows(clients, package, stage, sample or [])
    try:
        feature_layout.guard(
            sm,
            clients.s3,
            stage.endpoint,
            package,
            allow=allow_feature_change,
            how_to_allow="pass --allow-feature-change",
            log=log,
        )
    except JobFailed as exc:
        raise PromotionError(f"promote: {exc}") from None
    workflow = str((package.get("CustomerMetadataProperties") or {}).get("glue-wf-workflow", ""))
    name = names(stage, package_arn)
    endpoint = stage.endpoint
    before = ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
    previous = (str(before.get("EndpointConfigName") or "") or None) if before else None
    try:
        rollout.ensure_model(sm, name, package_arn, role_arn, workflow)
        rollout.ensure_endpoint_config(
            sm, name, name, stage.instance_type, workflow, count=stage.instance_count
        )
        rollout.roll_out(sm, endpoint, name, "", workflow, log=log)
        final = ops.wait_endpoint_settled(
            sm, endpoint, timeout=rollout.ENDPOINT_TIMEOUT, log=log, sleep=_sleep
        )
        ops.check_endpoint_serves(final, name)
    except JobFailed as exc:
        _discard_unused(sm, endpoint, name, previous, log=log)
        raise PromotionError(f"promote: {exc}") from None
    except ClientError as exc:  # CreateModel refusing the package: its artifact, its role
        _discard_unused(sm, endpoint, name, previous, log=log)
        artifact = _artifact_of(package)
        raise PromotionError(
            f"promote: package {package_arn} could not be deployed to stage {stage.name} "
            f"({_reason(exc)}); endpoint {endpoint} is unchanged. Check that its model "
            f"artifact {artifact} still exists and that the SageMaker role may read it"
        ) from None
    try:
        scores = rollout.invoke_rows(clients.runtime, endpoint, rows)
    except (JobFailed, ClientError) as exc:
        reason = _reason(exc)
        undone = _roll_back(sm, endpoint, name, previous, log=log)
        raise PromotionError(
            f"promote: smoke test of endpoint {endpoint} failed: {reason}; {undone}"
        ) from None
    who = records.caller(clients.sts)
    at = records.now_utc()
    sm.add_tags(
        ResourceArn=package_arn,
        Tags=[records.promotion_tag(stage.name, endpoint=endpoint, config=name, at=at, by=who)],
    )
    if previous and previous != name:
        rollout.retire(sm, previous, log=log)
    return Promotion(
        package_arn=package_arn,
        stage=stage.name,
        endpoint=endpoint,
        endpoint_config=name,
        previous_config=previous if previous != name else None,
        scores=tuple(scores),
        at=at,
        by=who.arn,
        user=who.user,
    )


def _artifact_of(package: Mapping[str, Any]) -> str:
    containers = (package.get("InferenceSpecification") or {}).get("Containers") or [{}]
    return str(containers[0].get("ModelDataUrl") or "(no ModelDataUrl)")


def _reason(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code')}: {error.get('Message')}"
    return str(exc)


def _roll_back(sm: Any, endpoint: str, new: str, previous: str | None, *, log: Log) -> str:
    """Put the endpoint back as it was; what was done, for the error message."""
    if previous == new:
        return (
            f"the endpoint already served this package on {new} before this promotion, so "
            "there is nothing to roll back to; it is left as it was"
        )
    try:
        if previous is None:
            log(f"deleting endpoint {endpoint}: it was created by this promotion")
            sm.delete_endpoint(EndpointName=endpoint)
            _wait_gone(sm, endpoint)
            rollout.retire(sm, new, log=log)
            return f"deleted endpoint {endpoint}, which this promotion had created"
        log(f"rolling back endpoint {endpoint}: {new} -> {previous}")
        sm.update_endpoint(
            EndpointName=endpoint,
            EndpointConfigName=previous,
            DeploymentConfig=rollout.deployment_config(),
        )
        final = ops.wait_endpoint_settled(
            sm, endpoint, timeout=rollout.ENDPOINT_TIMEOUT, log=log, sleep=_sleep
        )
        ops.check_endpoint_serves(final, previous)
        rollout.retire(sm, new, log=log)
    except (JobFailed, ClientError) as exc:
        return (
            f"ROLLBACK FAILED ({_reason(exc)}): check endpoint {endpoint} with 'glue-wf "
            f"endpoints' and update it back to endpoint config {previous} by hand"
        )
    return f"rolled back endpoint {endpoint} to its previous endpoint config {previous} (InService)"


def _discard_unused(sm: Any, endpoint: str, new: str, previous: str | None, *, log: Log) -> None:
    """Delete the new config and model if the endpoint never took them (SageMaker rolled the
    update back, or the endpoint could not be updated); best effort, the failure is reported."""
    if new == previous:
        return
    try:
        current = ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
        if (current or {}).get("EndpointConfigName") != new:
            rollout.retire(sm, new, log=log)
    except ClientError as exc:
        log(f"could not delete the unused endpoint config {new}: {_reason(exc)}")


def _wait_gone(sm: Any, endpoint: str) -> None:
    """DeleteEndpoint is asynchronous on AWS: wait until DescribeEndpoint says not found."""
    ops.poll(
        lambda: (
            ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
            or {"EndpointStatus": "Gone"}
        ),
        status_of=lambda d: str(d.get("EndpointStatus")),
        done=("Gone",),
        what=f"deleting endpoint {endpoint}",
        timeout=900.0,
        sleep=_sleep,
    )


def _sleep(seconds: float) -> None:
    time.sleep(seconds)  # looked up at each call, so tests can make waits instant

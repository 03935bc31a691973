"""Glue Python shell job ``register``: a versioned package in the SageMaker Model Registry.

Runs on the gate's SUCCEEDED branch. Creates the model package group if missing,
then a package version with the inference container (the training image and the
model artifact), the evaluation report as ModelMetrics (with its sha256 digest) and
metadata linking the workflow run, training job and data. Approval is ``Approved``
when run property ``auto_approve`` is true, else ``PendingManualApproval``.
The create is idempotent per run and node (ClientToken), so a retry does not add
a second version.

Reads ``model_artifact_uri``, ``evaluation_uri``, ``training_job_name``,
``model_package_group``, ``auto_approve``; writes ``model_package_arn``,
``model_package_version``, ``model_approval_status``.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

from glue_workflow.jobkit import JobContext, JobInputError, run_job
from glue_workflow.jobkit import sagemaker_ops as ops

NODE = "register"
TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")
INFERENCE_INSTANCE_TYPES = ["ml.t2.medium", "ml.m5.large", "ml.m5.xlarge"]
TRANSFORM_INSTANCE_TYPES = ["ml.m5.large", "ml.m5.xlarge"]
# Metadata values are limited to 256 characters; keys to 128.
METADATA_VALUE_MAX = 256


def approval_status(value: str) -> str:
    text = value.strip().lower()
    if text in TRUE:
        return "Approved"
    if text in FALSE:
        return "PendingManualApproval"
    raise JobInputError(f"run property auto_approve={value!r} must be true or false")


def ensure_group(sm: Any, group: str, workflow: str) -> None:
    """Create the model package group unless it exists (describe first)."""
    found = ops.describe_or_none(sm.describe_model_package_group, ModelPackageGroupName=group)
    if found is not None:
        return
    sm.create_model_package_group(
        ModelPackageGroupName=group,
        ModelPackageGroupDescription=f"Models trained by the glue-wf workflow {workflow}",
        Tags=[{"Key": "glue-wf:workflow", "Value": workflow}],
    )
    print(f"created model package group {group}")


def metadata(ctx: JobContext, found: dict[str, str]) -> dict[str, str]:
    props = ctx.properties()
    values = {
        "glue-wf-workflow": ctx.workflow_name,
        "glue-wf-run-id": ctx.run_id,
        "training-job": found["training_job_name"],
        "input-uri": props.get("input_uri", ""),
        "train-uri": props.get("train_uri", ""),
        "test-uri": props.get("test_uri", ""),
        "accuracy": props.get("accuracy", ""),
    }
    return {k: v[:METADATA_VALUE_MAX] for k, v in values.items() if v}


def build_request(
    ctx: JobContext, found: dict[str, str], *, image: str, digest: str, status: str
) -> dict[str, object]:
    """The CreateModelPackage request (versioned: group name, no package name)."""
    return {
        "ModelPackageGroupName": found["model_package_group"],
        "ModelPackageDescription": (
            f"{ctx.workflow_name} run {ctx.run_id}, training job {found['training_job_name']}"
        )[:1024],
        "InferenceSpecification": {
            "Containers": [{"Image": image, "ModelDataUrl": found["model_artifact_uri"]}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
            "SupportedRealtimeInferenceInstanceTypes": INFERENCE_INSTANCE_TYPES,
            "SupportedTransformInstanceTypes": TRANSFORM_INSTANCE_TYPES,
        },
        "ModelMetrics": {
            "ModelQuality": {
                "Statistics": {
                    "ContentType": "application/json",
                    "S3Uri": found["evaluation_uri"],
                    "ContentDigest": f"sha256:{digest}",
                }
            }
        },
        "ModelApprovalStatus": status,
        "CustomerMetadataProperties": metadata(ctx, found),
        "ClientToken": ops.client_token(ctx.run_id, NODE),
    }


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(sys.argv if argv is None else argv, required=(), session=session)
    found = ctx.require(
        "model_artifact_uri",
        "evaluation_uri",
        "training_job_name",
        "model_package_group",
        "auto_approve",
    )
    status = approval_status(found["auto_approve"])
    group = ops.validate_name("model package group", found["model_package_group"])
    sm = ctx.client("sagemaker")
    training = sm.describe_training_job(TrainingJobName=found["training_job_name"])
    if training.get("ModelArtifacts", {}).get("S3ModelArtifacts") != found["model_artifact_uri"]:
        raise ops.failure(
            f"model_artifact_uri {found['model_artifact_uri']} is not the artifact of training "
            f"job {found['training_job_name']}: refusing to register a mismatched model"
        )
    # Serve with the image that trained the model (the same XGBoost version).
    image = str(training["AlgorithmSpecification"]["TrainingImage"])
    report = ops.read_s3_bytes(ctx.client("s3"), found["evaluation_uri"])
    digest = hashlib.sha256(report).hexdigest()
    ensure_group(sm, group, ctx.workflow_name)
    created = sm.create_model_package(
        **build_request(ctx, found, image=image, digest=digest, status=status)
    )
    arn = str(created["ModelPackageArn"])
    package = sm.describe_model_package(ModelPackageName=arn)
    version = str(package.get("ModelPackageVersion", arn.rsplit("/", 1)[-1]))
    final_status = str(package.get("ModelApprovalStatus", status))
    ctx.put(
        model_package_arn=arn,
        model_package_version=version,
        model_approval_status=final_status,
    )
    print(f"registered {group} version {version} ({final_status}): {arn}")


if __name__ == "__main__":
    run_job(main)

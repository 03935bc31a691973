"""Glue Python shell job ``register``: a versioned package in the SageMaker Model Registry.

Runs on the gate's SUCCEEDED branch. Creates the model package group if missing,
then a package version with the inference container (the training image and the
model artifact), the evaluation as ModelMetrics (model quality: ``statistics.json`` in
SageMaker's model-quality layout; explainability: ``explainability.json`` in Clarify's
layout; each with its sha256 digest) and metadata linking the workflow run, training
job, input data and data-quality report (the model's lineage). Approval is ``Approved``
when run property ``auto_approve`` is true, else ``PendingManualApproval``.
The create is idempotent per run and node (ClientToken), so a retry does not add
a second version.

Reads ``model_artifact_uri``, ``evaluation_uri``, ``training_job_name``,
``model_package_group``, ``auto_approve`` and, when present, ``model_quality_uri``,
``explainability_uri`` (evaluate) and the data-quality report's URI; writes ``model_package_arn``,
``model_package_version``, ``model_approval_status``.
"""

from __future__ import annotations

import hashlib
import sys
import unicodedata
from typing import Any

from glue_workflow.jobkit import JobContext, JobInputError, run_job
from glue_workflow.jobkit import sagemaker_ops as ops
from glue_workflow.jobkit.contract import SYSTEM_PREFIX

NODE = "register"  # the node name when the job runs outside a workflow
TRUE = ("true", "yes", "1")
FALSE = ("false", "no", "0")
INFERENCE_INSTANCE_TYPES = ["ml.t2.medium", "ml.m5.large", "ml.m5.xlarge"]
TRANSFORM_INSTANCE_TYPES = ["ml.m5.large", "ml.m5.xlarge"]
# Metadata values are limited to 256 characters; keys to 128; at most 50 entries
# (CustomerMetadataMap in botocore's SageMaker service model: min 1, max 50 entries).
METADATA_VALUE_MAX = 256
# The data-quality report of the run, first property found (preprocess's baseline last).
DATA_QUALITY_PROPERTIES = ("data_quality_uri", "data_quality_report_uri", "baseline_uri")
METADATA_ENTRIES_MAX = 50
# CustomerMetadataKey/Value's pattern (botocore's SageMaker model):
# ([\p{L}\p{Z}\p{N}_.:\/=+\-@]*): letters, spaces, digits and these. SageMaker refuses a
# package whose metadata has any other character (ValidationException).
METADATA_PUNCTUATION = "_.:/=+-@"


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


def metadata_text(text: str) -> str:
    """``text`` with each character SageMaker's metadata pattern refuses (a comma, a
    quote, a brace) replaced by a space, ends stripped."""
    kept = (
        c if c in METADATA_PUNCTUATION or unicodedata.category(c)[0] in "LNZ" else " " for c in text
    )
    return "".join(kept).strip()


def metadata(ctx: JobContext, found: dict[str, str]) -> dict[str, str]:
    values = {
        "glue-wf-workflow": ctx.workflow_name,
        "glue-wf-run-id": ctx.run_id,
        "training-job": found["training_job_name"],
        "evaluation-uri": found["evaluation_uri"],
    }
    # Every other property the node declares in reads= (data URIs, metrics) is recorded;
    # glue-wf's own (the step cache's records: JSON) are not lineage. One entry is kept
    # for the data-quality report.
    props = ctx.properties()
    for name, value in sorted(props.items()):
        if name in found or name.startswith(SYSTEM_PREFIX):
            continue
        if len(values) < METADATA_ENTRIES_MAX - 1:
            values[name.replace("_", "-")[:128]] = value
    # lineage: the run's data-quality report under one key, whichever property holds it
    values["data-quality-uri"] = next(
        (props.optional(p) for p in DATA_QUALITY_PROPERTIES if props.optional(p).strip()), ""
    )
    cleaned = {metadata_text(k): metadata_text(v)[:METADATA_VALUE_MAX] for k, v in values.items()}
    return {k: v for k, v in cleaned.items() if k and v}


def metric_file(uri: str, digest: str) -> dict[str, str]:
    return {"ContentType": "application/json", "S3Uri": uri, "ContentDigest": f"sha256:{digest}"}


def model_metrics(reports: dict[str, tuple[str, str]]) -> dict[str, object]:
    """ModelMetrics from {"quality" | "explainability": (uri, sha256)}."""
    metrics: dict[str, object] = {"ModelQuality": {"Statistics": metric_file(*reports["quality"])}}
    if "explainability" in reports:
        metrics["Explainability"] = {"Report": metric_file(*reports["explainability"])}
    return metrics


def build_request(
    ctx: JobContext,
    found: dict[str, str],
    *,
    image: str,
    reports: dict[str, tuple[str, str]],
    status: str,
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
        "ModelMetrics": model_metrics(reports),
        "ModelApprovalStatus": status,
        "CustomerMetadataProperties": metadata(ctx, found),
        "ClientToken": ops.client_token(ctx.run_id, ctx.node or NODE),
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
    props = ctx.properties()
    # An evaluation without the model-quality file (an older evaluate) attaches its report.
    uris = {"quality": props.optional("model_quality_uri") or found["evaluation_uri"]}
    if props.optional("explainability_uri"):
        uris["explainability"] = props["explainability_uri"]
    s3 = ctx.client("s3")
    reports = {
        key: (uri, hashlib.sha256(ops.read_s3_bytes(s3, uri)).hexdigest())
        for key, uri in uris.items()
    }
    ensure_group(sm, group, ctx.workflow_name)
    created = sm.create_model_package(
        **build_request(ctx, found, image=image, reports=reports, status=status)
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

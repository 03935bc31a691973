"""Glue Python shell job ``evaluate``: score the model on the test split in SageMaker.

Glue's Python shell is Python 3.9 and XGBoost 3 needs 3.10+, so the scoring runs as
a SageMaker Processing job in the same XGBoost image, executing the project's
``jobs/evaluation/evaluate_model.py`` (``--evaluation_script_uri``). It writes
``evaluation.json`` (accuracy, precision, recall, F1, ROC AUC, confusion matrix,
threshold, threshold table), ``statistics.json`` (SageMaker's model-quality layout),
``feature_importance.json`` and ``explainability.json`` (Clarify's layout); this job
copies the headline metrics and the files' URIs into run properties.

Reads run properties ``model_artifact_uri`` (train), ``test_uri`` and, when present,
``feature_manifest_uri`` (preprocess: the feature names); writes ``evaluation_uri``,
``model_quality_uri``, ``feature_importance_uri``, ``explainability_uri``,
``accuracy``, ``precision``, ``recall``, ``f1``, ``roc_auc``; ``majority_accuracy`` where
declared.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from glue_workflow.jobkit import JobContext, JobInputError, run_job
from glue_workflow.jobkit import sagemaker_ops as ops

NODE = "evaluate"  # the node name when the job runs outside a workflow
REQUIRED_ARGS = (
    "artifacts_bucket",
    "sagemaker_role_arn",
    "xgboost_image_uri",
    "evaluation_script_uri",
)
METRICS = ("accuracy", "precision", "recall", "f1", "roc_auc")
# written where the node declares them: the accuracy of always predicting the more
# frequent label (a gate's baseline: "accuracy > majority_accuracy")
OPTIONAL_METRICS = ("majority_accuracy",)
BASE = "/opt/ml/processing"
SCRIPT_NAME = "evaluate_model.py"
# Output files beside evaluation.json, by the run property naming each.
REPORTS = {
    "model_quality_uri": "statistics.json",
    "feature_importance_uri": "feature_importance.json",
    "explainability_uri": "explainability.json",
}
DEFAULT_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_MAX_RUNTIME = 1800


def s3_input(name: str, uri: str, local_path: str) -> dict[str, object]:
    return {
        "InputName": name,
        "S3Input": {
            "S3Uri": uri,
            "LocalPath": local_path,
            "S3DataType": "S3Prefix",
            "S3InputMode": "File",
            "S3DataDistributionType": "FullyReplicated",
        },
    }


def output_prefix(ctx: JobContext) -> str:
    bucket = ctx.args["artifacts_bucket"]
    return f"s3://{bucket}/glue-wf/{ctx.workflow_name}/runs/{ctx.run_id}/{ctx.node or NODE}"


def checked_inputs(ctx: JobContext) -> dict[str, str]:
    """Run properties and arguments the request needs, validated before SageMaker is called."""
    inputs = ctx.require("model_artifact_uri", "test_uri")
    script_uri = ctx.args["evaluation_script_uri"]
    if not script_uri.endswith("/" + SCRIPT_NAME):
        raise JobInputError(
            f"--evaluation_script_uri {script_uri!r} must point at {SCRIPT_NAME} "
            "(the compiler uploads jobs/evaluation/evaluate_model.py)"
        )
    threshold = dict(ctx.properties()).get("threshold", "").strip() or "0.5"
    try:
        if not 0.0 < float(threshold) < 1.0:
            raise ValueError(threshold)
    except ValueError:
        raise JobInputError(
            f"run property threshold={threshold!r} must be a number between 0 and 1"
        ) from None
    # optional: feature names in the reports when the node declares it in reads=
    manifest = ctx.properties().optional("feature_manifest_uri").strip()
    return {**inputs, "script_uri": script_uri, "threshold": threshold, "manifest_uri": manifest}


def build_request(ctx: JobContext, name: str, inputs: dict[str, str]) -> dict[str, object]:
    """The CreateProcessingJob request running the evaluation script over the test split."""
    args = ctx.args
    script_uri = inputs["script_uri"]
    threshold = inputs["threshold"]
    channels = [
        s3_input("code", script_uri, f"{BASE}/input/code"),
        s3_input("model", inputs["model_artifact_uri"], f"{BASE}/model"),
        s3_input("test", inputs["test_uri"], f"{BASE}/test"),
    ]
    manifest_args: list[str] = []
    if inputs.get("manifest_uri"):
        channels.append(s3_input("manifest", inputs["manifest_uri"], f"{BASE}/manifest"))
        manifest_args = ["--manifest-dir", f"{BASE}/manifest"]
    return {
        "ProcessingJobName": name,
        "RoleArn": args["sagemaker_role_arn"],
        "AppSpecification": {
            "ImageUri": args["xgboost_image_uri"],
            "ContainerEntrypoint": ["python3", f"{BASE}/input/code/{SCRIPT_NAME}"],
            "ContainerArguments": [
                "--model-dir",
                f"{BASE}/model",
                "--test-dir",
                f"{BASE}/test",
                "--output-dir",
                f"{BASE}/evaluation",
                "--threshold",
                threshold,
                *manifest_args,
            ],
        },
        "ProcessingInputs": channels,
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": "evaluation",
                    "S3Output": {
                        "S3Uri": output_prefix(ctx),
                        "LocalPath": f"{BASE}/evaluation",
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": ops.count_arg(args, "processing_instance_count", 1),
                "InstanceType": args.get("processing_instance_type") or DEFAULT_INSTANCE_TYPE,
                "VolumeSizeInGB": 10,
            }
        },
        "StoppingCondition": {
            "MaxRuntimeInSeconds": ops.seconds_arg(
                args, "processing_max_runtime", DEFAULT_MAX_RUNTIME
            )
        },
        "Tags": [
            {"Key": "glue-wf:workflow", "Value": ctx.workflow_name},
            {"Key": "glue-wf:run-id", "Value": ctx.run_id},
        ],
    }


def read_report(s3: object, uri: str) -> dict[str, object]:
    """Parse evaluation.json and check it carries every headline metric."""
    try:
        report = json.loads(ops.read_s3_bytes(s3, uri).decode("utf-8"))
    except ValueError as exc:
        raise ops.failure(f"{uri} is not valid JSON: {exc}") from exc
    if not isinstance(report, dict):
        raise ops.failure(f"{uri} must hold a JSON object of metrics")
    missing = [m for m in METRICS if not isinstance(report.get(m), (int, float))]
    if missing:
        raise ops.failure(f"{uri} lacks metric(s) {', '.join(missing)}")
    return dict(report)


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(
        sys.argv if argv is None else argv, required=REQUIRED_ARGS, session=session
    )
    inputs = checked_inputs(ctx)
    sm = ctx.client("sagemaker")
    name, attached = ops.start_or_attach_processing_job(
        sm,
        workflow=ctx.workflow_name,
        run_id=ctx.run_id,
        node=ctx.node or NODE,
        build_request=lambda job_name: build_request(ctx, job_name, inputs),
    )
    ops.wait_processing_job(sm, name)
    evaluation_uri = f"{output_prefix(ctx)}/evaluation.json"
    report = read_report(ctx.client("s3"), evaluation_uri)
    metrics = {m: f"{float(report[m]):.6f}" for m in METRICS}  # type: ignore[arg-type]
    metrics.update(
        {
            m: f"{float(report[m]):.6f}"  # type: ignore[arg-type]
            for m in OPTIONAL_METRICS
            if m in report and ctx.contract.declares_write(ctx.contract.name(m))
        }
    )
    # optional outputs: written where the node declares them in writes=
    reports = {
        prop: f"{output_prefix(ctx)}/{name}"
        for prop, name in REPORTS.items()
        if ctx.contract.declares_write(ctx.contract.name(prop))
    }
    ctx.put(evaluation_uri=evaluation_uri, **reports, **metrics)
    for warning in report.get("warnings") or []:  # type: ignore[union-attr]
        print(f"warning: {warning}")
    print(
        f"processing job {name} Completed ({'attached' if attached else 'started'}); "
        f"{evaluation_uri}: " + ", ".join(f"{m}={v}" for m, v in metrics.items())
    )


if __name__ == "__main__":
    run_job(main)

"""jobs/evaluate.py, jobs/register.py, jobs/reject.py against stubbed SageMaker and S3."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jobhelpers import BUCKET, IMAGE, ROLE, RUN_ID, Harness, body, exit_message, load_job
from jobhelpers import not_found as missing

from glue_workflow.servicemodel import aws_validation_message

evaluate = load_job("evaluate")
register = load_job("register")
reject = load_job("reject")
T0 = datetime(2026, 1, 1, tzinfo=UTC)
SCRIPT = f"s3://{BUCKET}/glue-wf/churn-pipeline/artifacts/0123456789abcdef/evaluate_model.py"
MODEL = f"s3://{BUCKET}/glue-wf/churn-pipeline/runs/{RUN_ID}/train/job/output/model.tar.gz"
REPORT = {
    "accuracy": 0.97,
    "precision": 0.96,
    "recall": 0.98,
    "f1": 0.97,
    "roc_auc": 0.995,
    "majority_accuracy": 0.5,
    "confusion_matrix": {"tn": 360, "fp": 15, "fn": 8, "tp": 367},
    "threshold": 0.5,
}
EVAL_PREFIX = f"s3://{BUCKET}/glue-wf/churn-pipeline/runs/{RUN_ID}/evaluate"


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate.ops.time, "sleep", lambda _s: None)


def processing(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "ProcessingJobName": "p",
        "ProcessingJobArn": "arn:aws:sagemaker:us-east-1:1:processing-job/p",
        "ProcessingJobStatus": status,
        "AppSpecification": {"ImageUri": IMAGE},
        "StoppingCondition": {"MaxRuntimeInSeconds": 1800},
        "ProcessingResources": {
            "ClusterConfig": {
                "InstanceCount": 1,
                "InstanceType": "ml.m5.large",
                "VolumeSizeInGB": 10,
            }
        },
        "CreationTime": T0,
        **extra,
    }


EVAL_ARGS = {
    "artifacts_bucket": BUCKET,
    "sagemaker_role_arn": ROLE,
    "xgboost_image_uri": IMAGE,
    "evaluation_script_uri": SCRIPT,
}
EVAL_PROPS = {"model_artifact_uri": MODEL, "test_uri": "s3://b/runs/1/test/"}


def test_evaluate_runs_a_processing_job_and_records_the_metrics() -> None:
    h = Harness(EVAL_PROPS)
    missing(h.sm, "describe_processing_job")
    h.sm.add_response("create_processing_job", {"ProcessingJobArn": "arn:x"})
    h.sm.add_response("describe_processing_job", processing("InProgress"))
    h.sm.add_response("describe_processing_job", processing("Completed"))
    h.s3.add_response(
        "get_object",
        {"Body": body(json.dumps(REPORT).encode())},
        {"Bucket": BUCKET, "Key": EVAL_PREFIX.split(BUCKET + "/")[1] + "/evaluation.json"},
    )
    h.run(evaluate, **EVAL_ARGS)
    h.verify()
    (request,) = h.requests("CreateProcessingJob")
    assert request["ProcessingJobName"] == evaluate.ops.resource_name(
        workflow="churn-pipeline", run_id=RUN_ID, node="evaluate"
    )
    assert request["RoleArn"] == ROLE
    app = request["AppSpecification"]
    assert app["ImageUri"] == IMAGE
    assert app["ContainerEntrypoint"] == [
        "python3",
        "/opt/ml/processing/input/code/evaluate_model.py",
    ]
    inputs = {i["InputName"]: i["S3Input"] for i in request["ProcessingInputs"]}
    assert inputs["code"]["S3Uri"] == SCRIPT
    assert inputs["model"] == {
        "S3Uri": MODEL,
        "LocalPath": "/opt/ml/processing/model",
        "S3DataType": "S3Prefix",
        "S3InputMode": "File",
        "S3DataDistributionType": "FullyReplicated",
    }
    assert inputs["test"]["S3Uri"] == "s3://b/runs/1/test/"
    (output,) = request["ProcessingOutputConfig"]["Outputs"]
    assert output["S3Output"] == {
        "S3Uri": EVAL_PREFIX,
        "LocalPath": "/opt/ml/processing/evaluation",
        "S3UploadMode": "EndOfJob",
    }
    assert h.glue.props["evaluation_uri"] == f"{EVAL_PREFIX}/evaluation.json"
    assert h.glue.props["accuracy"] == "0.970000"
    assert h.glue.props["roc_auc"] == "0.995000"
    assert h.glue.props["majority_accuracy"] == "0.500000"  # an accuracy gate's baseline


def test_evaluation_crash_fails_with_the_exit_message(capsys: Any) -> None:
    h = Harness(EVAL_PROPS)
    missing(h.sm, "describe_processing_job")
    h.sm.add_response("create_processing_job", {"ProcessingJobArn": "arn:x"})
    failed = processing("Failed", ExitMessage="evaluation failed: no test data files")
    h.sm.add_response("describe_processing_job", failed)
    h.sm.add_response("describe_processing_job", failed)
    with pytest.raises(SystemExit):
        h.run(evaluate, **EVAL_ARGS)
    assert exit_message(capsys).endswith("Failed: evaluation failed: no test data files")
    assert "accuracy" not in h.glue.props


def test_evaluate_names_the_missing_model_and_its_producer(capsys: Any) -> None:
    h = Harness({"test_uri": "s3://b/t/"})
    with pytest.raises(SystemExit):
        h.run(evaluate, **EVAL_ARGS)
    assert (
        "missing run property 'model_artifact_uri' (expected from node 'train' (job "
        "churn-pipeline-train))" in exit_message(capsys)
    )


# --------------------------------------------------------------------- register

REG_PROPS = {
    "model_artifact_uri": MODEL,
    "evaluation_uri": f"{EVAL_PREFIX}/evaluation.json",
    "training_job_name": "churn-pipeline-train-abc",
    "model_package_group": "churn-xgb",
    "input_uri": "s3://b/data/churn.csv",
    "accuracy": "0.970000",
}
PACKAGE_ARN = "arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-xgb/3"


def stub_register(h: Harness, *, group_exists: bool, approval: str) -> bytes:
    report = json.dumps(REPORT).encode()
    h.sm.add_response(
        "describe_training_job",
        {
            "TrainingJobName": "churn-pipeline-train-abc",
            "TrainingJobArn": "arn:t",
            "TrainingJobStatus": "Completed",
            "SecondaryStatus": "Completed",
            "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
            "ResourceConfig": {
                "InstanceType": "ml.m5.large",
                "InstanceCount": 1,
                "VolumeSizeInGB": 10,
            },
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
            "CreationTime": T0,
            "ModelArtifacts": {"S3ModelArtifacts": MODEL},
        },
    )
    h.s3.add_response("get_object", {"Body": body(report)})
    if group_exists:
        h.sm.add_response(
            "describe_model_package_group",
            {
                "ModelPackageGroupName": "churn-xgb",
                "ModelPackageGroupArn": "arn:g",
                "CreationTime": T0,
                "CreatedBy": {},
                "ModelPackageGroupStatus": "Completed",
            },
        )
    else:
        missing(h.sm, "describe_model_package_group")
        h.sm.add_response("create_model_package_group", {"ModelPackageGroupArn": "arn:g"})
    h.sm.add_response("create_model_package", {"ModelPackageArn": PACKAGE_ARN})
    h.sm.add_response(
        "describe_model_package",
        {
            "ModelPackageName": "churn-xgb",
            "ModelPackageArn": PACKAGE_ARN,
            "CreationTime": T0,
            "ModelPackageStatus": "Completed",
            "ModelPackageVersion": 3,
            "ModelApprovalStatus": approval,
            "ModelPackageStatusDetails": {"ValidationStatuses": []},
        },
    )
    return report


def test_register_creates_group_and_an_approved_version_with_metrics() -> None:
    h = Harness({**REG_PROPS, "auto_approve": "true"})
    report = stub_register(h, group_exists=False, approval="Approved")
    h.run(register)
    h.verify()
    (group,) = h.requests("CreateModelPackageGroup")
    assert group["ModelPackageGroupName"] == "churn-xgb"
    (request,) = h.requests("CreateModelPackage")
    assert request["ModelPackageGroupName"] == "churn-xgb"
    assert "ModelPackageName" not in request  # versioned package
    assert request["ModelApprovalStatus"] == "Approved"
    assert request["InferenceSpecification"]["Containers"] == [
        {"Image": IMAGE, "ModelDataUrl": MODEL}
    ]
    stats = request["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert stats == {
        "ContentType": "application/json",
        "S3Uri": REG_PROPS["evaluation_uri"],
        "ContentDigest": "sha256:" + hashlib.sha256(report).hexdigest(),
    }
    meta = request["CustomerMetadataProperties"]
    assert meta["glue-wf-run-id"] == RUN_ID
    assert meta["training-job"] == "churn-pipeline-train-abc"
    assert meta["input-uri"] == "s3://b/data/churn.csv"
    assert request["ClientToken"] == register.ops.client_token(RUN_ID, "register")
    assert h.glue.props["model_package_arn"] == PACKAGE_ARN
    assert h.glue.props["model_package_version"] == "3"
    assert h.glue.props["model_approval_status"] == "Approved"


def test_register_metadata_is_what_sagemaker_accepts() -> None:
    # The step cache's records (JSON) are not lineage, a summary's comma is not a character
    # SageMaker's CustomerMetadataValue pattern allows, and 60 declared reads still give
    # at most 50 entries, the data-quality report's among them.
    extra = {f"metric_{i:02d}": f"0.{i}" for i in range(60)}
    h = Harness(
        {
            **REG_PROPS,
            **extra,
            "auto_approve": "true",
            "glue_wf_cache_register": '{"decision": "ran", "files": "9bea"}',
            "data_quality": "passed: 1000 rows read, 0 dropped",
            "data_quality_uri": "s3://b/out/data_quality.json",
        }
    )
    stub_register(h, group_exists=True, approval="Approved")
    h.run(register)
    (request,) = h.requests("CreateModelPackage")
    meta = request["CustomerMetadataProperties"]
    assert not [k for k in meta if k.startswith("glue-wf-cache")]
    assert meta["data-quality"] == "passed: 1000 rows read  0 dropped"
    assert meta["data-quality-uri"] == "s3://b/out/data_quality.json"
    assert 40 < len(meta) <= 50
    assert aws_validation_message("sagemaker", "CreateModelPackage", request) is None


def test_register_without_auto_approve_waits_for_manual_approval() -> None:
    h = Harness({**REG_PROPS, "auto_approve": "false"})
    stub_register(h, group_exists=True, approval="PendingManualApproval")
    h.run(register)
    assert "CreateModelPackageGroup" not in h.operations()
    (request,) = h.requests("CreateModelPackage")
    assert request["ModelApprovalStatus"] == "PendingManualApproval"
    assert h.glue.props["model_approval_status"] == "PendingManualApproval"


def test_register_rejects_a_bad_auto_approve(capsys: Any) -> None:
    h = Harness({**REG_PROPS, "auto_approve": "maybe"})
    with pytest.raises(SystemExit):
        h.run(register)
    assert exit_message(capsys) == (
        "glue-wf job input error: run property auto_approve='maybe' must be true or false"
    )
    assert h.calls == []


# ----------------------------------------------------------------------- reject


def test_reject_records_the_model_and_the_reason(capsys: Any) -> None:
    reason = "accuracy 0.93 < min_accuracy 0.999"
    h = Harness({"gate_min_accuracy_reason": reason, "model_artifact_uri": MODEL})
    h.run(reject, gate_decision="min_accuracy")
    assert h.glue.props["rejected_model_uri"] == MODEL
    assert h.glue.props["rejection_reason"] == reason
    assert f"model rejected: {MODEL}" in capsys.readouterr().out
    assert h.calls == []  # no SageMaker call: nothing registered or deployed


def test_reject_fails_when_the_gate_errored_instead_of_rejecting(capsys: Any) -> None:
    reason = "accuracy is missing"
    h = Harness(
        {
            "gate_min_accuracy_reason": reason,
            "gate_min_accuracy_decision": "error",
            "model_artifact_uri": MODEL,
        }
    )
    with pytest.raises(SystemExit):
        h.run(reject, gate_decision="min_accuracy")
    assert exit_message(capsys) == (
        "glue-wf job failed: gate min_accuracy did not reject the model (decision 'error'): "
        "accuracy is missing; nothing is recorded as rejected: fix the gate's inputs, then "
        "run the gate again with them (glue-wf run --rerun-from <gate node> --of <this run> "
        "-p NAME=VALUE; resume reuses this run's properties)"
    )
    assert "rejection_reason" not in h.glue.props


def test_evaluate_passes_the_manifest_and_records_every_report_uri() -> None:
    manifest = "s3://b/runs/1/preprocess/feature_manifest.json"
    h = Harness({**EVAL_PROPS, "feature_manifest_uri": manifest})
    missing(h.sm, "describe_processing_job")
    h.sm.add_response("create_processing_job", {"ProcessingJobArn": "arn:x"})
    h.sm.add_response("describe_processing_job", processing("InProgress"))
    h.sm.add_response("describe_processing_job", processing("Completed"))
    h.s3.add_response("get_object", {"Body": body(json.dumps(REPORT).encode())})
    h.run(evaluate, **EVAL_ARGS)
    (request,) = h.requests("CreateProcessingJob")
    inputs = {i["InputName"]: i["S3Input"] for i in request["ProcessingInputs"]}
    assert inputs["manifest"]["S3Uri"] == manifest
    assert inputs["manifest"]["LocalPath"] == "/opt/ml/processing/manifest"
    args = request["AppSpecification"]["ContainerArguments"]
    assert args[-2:] == ["--manifest-dir", "/opt/ml/processing/manifest"]
    assert h.glue.props["model_quality_uri"] == f"{EVAL_PREFIX}/statistics.json"
    assert h.glue.props["feature_importance_uri"] == f"{EVAL_PREFIX}/feature_importance.json"
    assert h.glue.props["explainability_uri"] == f"{EVAL_PREFIX}/explainability.json"


def test_register_attaches_model_quality_and_explainability_with_lineage() -> None:
    stats_uri = f"{EVAL_PREFIX}/statistics.json"
    explain_uri = f"{EVAL_PREFIX}/explainability.json"
    h = Harness(
        {
            **REG_PROPS,
            "auto_approve": "true",
            "model_quality_uri": stats_uri,
            "explainability_uri": explain_uri,
            "baseline_uri": "s3://b/runs/1/preprocess/baseline.json",
        }
    )
    stub_register(h, group_exists=True, approval="Approved")
    # stub_register queued the statistics read; the explainability report is read next.
    explain = b'{"explanations": {}}'
    h.s3.add_response("get_object", {"Body": body(explain)})
    h.run(register)
    (request,) = h.requests("CreateModelPackage")
    metrics = request["ModelMetrics"]
    assert metrics["ModelQuality"]["Statistics"]["S3Uri"] == stats_uri
    assert metrics["Explainability"] == {
        "Report": {
            "ContentType": "application/json",
            "S3Uri": explain_uri,
            "ContentDigest": "sha256:" + hashlib.sha256(explain).hexdigest(),
        }
    }
    meta = request["CustomerMetadataProperties"]
    assert meta["data-quality-uri"] == "s3://b/runs/1/preprocess/baseline.json"
    assert meta["evaluation-uri"] == REG_PROPS["evaluation_uri"]


def test_reject_finds_its_gate_from_the_declared_reads(capsys: Any) -> None:
    reason = "rejected: f1 0.41 < 0.6"
    h = Harness({"gate_f1_floor_reason": reason, "model_artifact_uri": MODEL})
    contract = {
        "node": "keep_aside",
        "reads": ["gate_f1_floor_reason", "model_artifact_uri"],
        "writes": ["rejected_model_uri", "rejection_reason"],
    }
    h.run(reject, glue_wf_contract=json.dumps(contract))
    assert h.glue.props["rejection_reason"] == reason


def test_reject_without_a_gate_says_how_to_name_it(capsys: Any) -> None:
    h = Harness({"model_artifact_uri": MODEL})
    with pytest.raises(SystemExit):
        h.run(reject)
    assert exit_message(capsys) == (
        "glue-wf job input error: node 'reject' does not say which gate it handles: set "
        "arguments={'--gate_decision': '<the gate's decision name>'} on it (or declare "
        "exactly one gate_<decision>_reason in its reads=)"
    )

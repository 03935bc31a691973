"""The churn ML pipeline as an AWS Glue workflow.

    START (on demand) -> preprocess (Spark ETL)
      -> train -> evaluate -> gate (accuracy >= min_accuracy, roc_auc >= min_roc_auc)
           gate SUCCEEDED -> register -> deploy
           gate FAILED    -> reject

Each node declares the run properties it reads and writes; validation proves every
read is provided upstream or by a default. ``{bucket}`` in a default is filled with
the target's artifacts bucket at compile time.
"""

from __future__ import annotations

from glue_workflow.model import (
    Cache,
    Gate,
    OnDemand,
    PythonShellJob,
    SparkJob,
    Workflow,
    failed,
    succeeded,
)

SAGEMAKER = ("artifacts_bucket", "sagemaker_role_arn", "xgboost_image_uri")

preprocess = SparkJob(
    name="preprocess",
    script="jobs/preprocess.py",
    description="Clean the churn CSV, engineer features, split train/validation/test",
    glue_version="5.0",
    worker_type="G.1X",
    number_of_workers=2,
    timeout=60,
    jobkit=True,  # run_job records a failure's reason in the run properties
    context_arguments=("artifacts_bucket",),
    # The data contract (columns, labels, checks) ships with the workflow, the ETL's
    # contract modules with --extra-py-files.
    files={"--dataset_config_uri": "jobs/datasets/churn.json"},
    extra_py_files=(
        "jobs/etl/etl_contract.py",
        "jobs/etl/etl_scan.py",
        "jobs/etl/etl_quality.py",
        "jobs/etl/etl_features.py",
        "jobs/etl/etl_output.py",
    ),
    reads=("input_uri",),
    # Served from the step cache while the script, the dataset config and every
    # object under input_uri are unchanged (glue-wf run --no-cache to force a run).
    cache=Cache(expire_after="30d", inputs=("input_uri",)),
    writes=(
        "train_uri",
        "validation_uri",
        "test_uri",
        "feature_manifest_uri",
        "baseline_uri",
        "rows_input",
        "rows_dropped",
        "rows_train",
        "rows_validation",
        "rows_test",
        "data_quality",
        "data_quality_uri",
    ),
)

# Python shell nodes wait on SageMaker: timeouts cover the SageMaker job's own
# maximum runtime plus polling slack.
train = PythonShellJob(
    name="train",
    script="jobs/train.py",
    description="Train the SageMaker built-in XGBoost model",
    after=succeeded(preprocess),
    timeout=180,
    context_arguments=SAGEMAKER,
    reads=("train_uri", "validation_uri", "num_round", "max_depth", "eta", "objective"),
    cache=Cache(expire_after="30d"),  # reuses the original training job on a hit
    writes=("training_job_name", "model_artifact_uri", "training_metrics"),
)

evaluate = PythonShellJob(
    name="evaluate",
    script="jobs/evaluate.py",
    description="Evaluate the model on the test split in a SageMaker Processing job",
    after=succeeded(train),
    timeout=90,
    context_arguments=SAGEMAKER,
    files={"--evaluation_script_uri": "jobs/evaluation/evaluate_model.py"},
    reads=("model_artifact_uri", "test_uri", "feature_manifest_uri"),
    cache=Cache(expire_after="30d"),
    writes=(
        "evaluation_uri",
        "accuracy",
        "precision",
        "recall",
        "f1",
        "roc_auc",
        "majority_accuracy",
        # SageMaker model-quality layout, feature importance, Clarify-style report
        "model_quality_uri",
        "feature_importance_uri",
        "explainability_uri",
    ),
)

gate = Gate(
    name="gate",
    decision="min_accuracy",
    # the second: on imbalanced labels a model of no skill scores a high accuracy (about
    # majority_accuracy, the rate of the more frequent label) but a ROC AUC near 0.5
    conditions=("accuracy >= min_accuracy", "roc_auc >= min_roc_auc"),
    after=succeeded(evaluate),
)

register = PythonShellJob(
    name="register",
    script="jobs/register.py",
    description="Register the model version in the SageMaker Model Registry",
    after=succeeded(gate),
    timeout=30,
    context_arguments=SAGEMAKER,
    reads=(
        "model_artifact_uri",
        "evaluation_uri",
        "training_job_name",
        "model_package_group",
        "auto_approve",
        # attached as ModelMetrics (model quality, explainability)
        "model_quality_uri",
        "explainability_uri",
        # recorded in the package's metadata (lineage)
        "input_uri",
        "train_uri",
        "test_uri",
        "accuracy",
        "data_quality_uri",
        "feature_manifest_uri",
    ),
    # A hit reuses the model package version the original run registered (if it exists).
    cache=Cache(expire_after="30d"),
    writes=("model_package_arn", "model_package_version", "model_approval_status"),
)

deploy = PythonShellJob(
    name="deploy",
    script="jobs/deploy.py",
    description="Deploy the approved model version to the SageMaker endpoint",
    after=succeeded(register),
    timeout=120,
    context_arguments=SAGEMAKER,
    reads=("model_package_arn", "endpoint_name", "test_uri"),
    # Served only while the endpoint is still InService on the recorded config.
    cache=Cache(expire_after="30d"),
    writes=(
        "deploy_status",
        "endpoint_config_name",
        "deployed_endpoint",
        "smoke_test",
        "replaced_endpoint_config",
    ),
)

reject = PythonShellJob(
    name="reject",
    script="jobs/reject.py",
    description="Record why the model was rejected and keep its artifact aside",
    after=failed(gate),
    timeout=15,
    context_arguments=("artifacts_bucket",),
    arguments={"--gate_decision": gate.decision},  # which gate's decision to record
    reads=("gate_min_accuracy_reason", "gate_min_accuracy_decision", "model_artifact_uri"),
    writes=("rejected_model_uri", "rejection_reason"),
)

workflow = Workflow(
    name="churn-pipeline",
    description="Churn model: Spark preprocessing, SageMaker XGBoost training, "
    "evaluation, accuracy gate, Model Registry and endpoint deployment",
    start=OnDemand(description="Start the churn pipeline on demand (glue-wf run)"),
    nodes=(preprocess, train, evaluate, gate, register, deploy, reject),
    max_concurrent_runs=1,
    default_run_properties={
        "input_uri": "s3://{bucket}/data/churn.csv",
        "min_accuracy": "0.9",
        "min_roc_auc": "0.6",
        "endpoint_name": "churn-xgb",
        "model_package_group": "churn-xgb",
        "auto_approve": "true",
        "num_round": "100",
        "max_depth": "5",
        "eta": "0.2",
        "objective": "binary:logistic",
    },
)

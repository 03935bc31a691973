"""jobs/train.py: the CreateTrainingJob request, retry reuse, failure reasons, inputs."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from jobhelpers import BUCKET, IMAGE, ROLE, RUN_ID, Harness, exit_message, load_job
from jobhelpers import not_found as missing

train = load_job("train")
NAME = train.ops.resource_name(workflow="churn-pipeline", run_id=RUN_ID, node="train")
PROPS = {
    "train_uri": "s3://b/runs/1/train/",
    "validation_uri": "s3://b/runs/1/validation/",
    "num_round": "100",
    "max_depth": "5",
    "eta": "0.2",
    "objective": "binary:logistic",
}
ARGS = {"artifacts_bucket": BUCKET, "sagemaker_role_arn": ROLE, "xgboost_image_uri": IMAGE}


def described(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "TrainingJobName": NAME,
        "TrainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{NAME}",
        "TrainingJobStatus": status,
        "SecondaryStatus": "Completed" if status == "Completed" else "Training",
        "AlgorithmSpecification": {"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "ModelArtifacts": {"S3ModelArtifacts": f"s3://{BUCKET}/x/{NAME}/output/model.tar.gz"},
        "FinalMetricDataList": [
            {
                "MetricName": "validation:error",
                "Value": 0.04,
                "Timestamp": datetime(2026, 1, 1, tzinfo=UTC),
            }
        ],
        **extra,
    }


@pytest.fixture(autouse=True)
def _fast_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(train.ops.time, "sleep", lambda _s: None)


def test_starts_training_with_the_contract_request_and_records_the_model(capsys: Any) -> None:
    h = Harness(PROPS)
    missing(h.sm, "describe_training_job")
    h.sm.add_response("create_training_job", {"TrainingJobArn": "arn:x"})
    h.sm.add_response("describe_training_job", described("InProgress"))
    h.sm.add_response("describe_training_job", described("InProgress"))
    h.sm.add_response("describe_training_job", described("Completed"))
    h.run(train, **ARGS)
    h.verify()
    (request,) = h.requests("CreateTrainingJob")
    assert request["TrainingJobName"] == NAME
    assert len(NAME) <= 63
    assert request["RoleArn"] == ROLE
    assert request["AlgorithmSpecification"] == {
        "TrainingImage": IMAGE,
        "TrainingInputMode": "File",
    }
    assert request["HyperParameters"] == {
        "num_round": "100",
        "max_depth": "5",
        "eta": "0.2",
        "objective": "binary:logistic",
    }
    channels = {c["ChannelName"]: c for c in request["InputDataConfig"]}
    assert channels["train"]["DataSource"]["S3DataSource"]["S3Uri"] == PROPS["train_uri"]
    assert channels["validation"]["DataSource"]["S3DataSource"]["S3Uri"] == PROPS["validation_uri"]
    assert channels["train"]["ContentType"] == "text/csv"
    assert request["OutputDataConfig"]["S3OutputPath"] == (
        f"s3://{BUCKET}/glue-wf/churn-pipeline/runs/{RUN_ID}/train"
    )
    assert request["StoppingCondition"]["MaxRuntimeInSeconds"] == 3600
    assert h.glue.props["training_job_name"] == NAME
    assert h.glue.props["model_artifact_uri"].endswith(f"{NAME}/output/model.tar.gz")
    assert json.loads(h.glue.props["training_metrics"]) == {"validation:error": 0.04}
    assert "Completed (started by this attempt)" in capsys.readouterr().out


def test_hyperparameter_defaults_fill_missing_properties() -> None:
    props = {k: v for k, v in PROPS.items() if k not in ("num_round", "eta")}
    assert train.hyperparameters(props) == {
        "num_round": "100",
        "max_depth": "5",
        "eta": "0.2",
        "objective": "binary:logistic",
    }


def test_other_xgboost_hyperparameters_the_node_reads_are_sent() -> None:
    from glue_workflow.local.sagemaker.hyperparameters import SPECS

    props = {**PROPS, "scale_pos_weight": " 7.5 ", "subsample": "0.8", "train_uri": "s3://b/t/"}
    chosen = train.hyperparameters(props)
    assert (chosen["scale_pos_weight"], chosen["subsample"]) == ("7.5", "0.8")
    assert "train_uri" not in chosen
    # every name sent is one the algorithm knows (the local target emulates its checks)
    assert set(train.PASSED_THROUGH) <= set(SPECS)


def test_a_retried_attempt_reuses_its_training_job() -> None:
    h = Harness(PROPS)
    h.sm.add_response("describe_training_job", described("InProgress"))  # attempt 1's job exists
    h.sm.add_response("describe_training_job", described("InProgress"))
    h.sm.add_response("describe_training_job", described("Completed"))
    h.run(train, **ARGS)
    h.verify()
    assert "CreateTrainingJob" not in h.operations()
    assert h.glue.props["training_job_name"] == NAME


def test_failure_reason_is_the_job_error(capsys: Any) -> None:
    h = Harness(PROPS)
    missing(h.sm, "describe_training_job")
    h.sm.add_response("create_training_job", {"TrainingJobArn": "arn:x"})
    h.sm.add_response("describe_training_job", described("InProgress"))
    h.sm.add_response(
        "describe_training_job",
        described("Failed", FailureReason="ClientError: Unable to read data channel 'train'"),
    )
    with pytest.raises(SystemExit) as exited:
        h.run(train, **ARGS)
    assert exited.value.code == 1
    assert exit_message(capsys) == (
        f"glue-wf job failed: training job {NAME} Failed: "
        "ClientError: Unable to read data channel 'train'"
    )
    assert "training_job_name" not in h.glue.props


def test_missing_run_property_names_its_producer(capsys: Any) -> None:
    h = Harness({"validation_uri": "s3://b/v/"})
    with pytest.raises(SystemExit):
        h.run(train, **ARGS)
    assert exit_message(capsys) == (
        "glue-wf job input error: missing run property 'train_uri' (expected from node "
        f"'preprocess' (job churn-pipeline-preprocess)) in run {RUN_ID} of workflow churn-pipeline"
    )
    assert h.calls == []  # nothing was started in SageMaker


def test_bad_hyperparameter_is_rejected_before_sagemaker(capsys: Any) -> None:
    h = Harness({**PROPS, "max_depth": "deep"})
    with pytest.raises(SystemExit):
        h.run(train, **ARGS)
    assert exit_message(capsys) == (
        "glue-wf job input error: run property max_depth='deep' is not a valid int: set it to "
        "e.g. '5' (workflow default run properties or run --property)"
    )
    assert h.calls == []


def test_missing_job_argument_is_named(capsys: Any) -> None:
    h = Harness(PROPS)
    with pytest.raises(SystemExit):
        h.run(train, artifacts_bucket=BUCKET, sagemaker_role_arn=ROLE)
    assert "missing job argument(s) --xgboost_image_uri" in exit_message(capsys)


def test_instance_count_shards_the_train_channel(capsys: Any) -> None:
    h = Harness(PROPS)
    h.s3.add_response(
        "list_objects_v2",
        {"Contents": [{"Key": "runs/1/train/part-0.csv", "Size": 10}], "KeyCount": 1},
        {"Bucket": "b", "Prefix": "runs/1/train/", "MaxKeys": 3},
    )
    missing(h.sm, "describe_training_job")
    h.sm.add_response("create_training_job", {"TrainingJobArn": "arn:x"})
    h.sm.add_response("describe_training_job", described("InProgress"))
    h.sm.add_response("describe_training_job", described("Completed"))
    h.run(train, **ARGS, training_instance_count="3", training_instance_type="ml.c5.2xlarge")
    h.verify()
    (request,) = h.requests("CreateTrainingJob")
    assert request["ResourceConfig"] == {
        "InstanceType": "ml.c5.2xlarge",
        "InstanceCount": 3,
        "VolumeSizeInGB": 10,
    }
    sources = {
        c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3DataDistributionType"]
        for c in request["InputDataConfig"]
    }
    assert sources == {"train": "ShardedByS3Key", "validation": "FullyReplicated"}
    assert (
        "warning: s3://b/runs/1/train/ holds 1 data object(s) for 3 training instances: 2 "
        "instance(s) will get no data (ShardedByS3Key)."
    ) in capsys.readouterr().out


def test_bad_instance_count_is_rejected_before_sagemaker(capsys: Any) -> None:
    h = Harness(PROPS)
    with pytest.raises(SystemExit):
        h.run(train, **ARGS, training_instance_count="two")
    assert "--training_instance_count='two' must be a whole number >= 1" in exit_message(capsys)
    assert h.calls == []


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            {"objective": "binary:logitraw"},
            "run property objective='binary:logitraw': this pipeline trains a binary classifier "
            "whose score is the probability of the positive label (evaluate, the gate and the "
            "endpoint read it so); use objective 'binary:logistic' or 'reg:logistic' (default "
            "binary:logistic)",
        ),
        ({"objective": "multi:softprob"}, "run property objective='multi:softprob': "),
        ({"objective": "reg:squarederror"}, "run property objective='reg:squarederror': "),
        (
            {"num_class": "3"},
            "run property num_class='3' is for multiclass objectives; this pipeline trains a "
            "binary classifier: remove it from the node's reads or defaults",
        ),
    ],
)
def test_objectives_whose_score_is_not_a_probability_are_refused(
    given: dict[str, str], message: str
) -> None:
    """binary:logitraw deployed margins (-7.99) that evaluate, the gate and the endpoint
    read as probabilities; multi:* crashed evaluate with a traceback."""
    from glue_workflow.jobkit import JobInputError

    with pytest.raises(JobInputError) as refused:
        train.hyperparameters({**PROPS, **given})
    assert str(refused.value).startswith(message)
    assert train.hyperparameters({**PROPS, "objective": "reg:logistic"})["objective"] == (
        "reg:logistic"
    )

"""Glue Python shell job ``train``: SageMaker built-in XGBoost training.

Reads run properties ``train_uri`` and ``validation_uri`` (written by preprocess) and
the hyperparameters ``num_round``, ``max_depth``, ``eta``, ``objective`` (workflow
defaults), and any other XGBoost hyperparameter the node reads (``PASSED_THROUGH``,
e.g. ``scale_pos_weight``); writes ``training_job_name``, ``model_artifact_uri`` and
``training_metrics`` (JSON of SageMaker's final metrics).

The training job name comes from the workflow run ID and node, so a retried attempt
of this node attaches to its own running or finished job instead of training twice.
Runs on Python 3.9 with stdlib + boto3.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from glue_workflow.jobkit import JobContext, JobInputError, run_job
from glue_workflow.jobkit import sagemaker_ops as ops

NODE = "train"  # the node name when the job runs outside a workflow
REQUIRED_ARGS = ("artifacts_bucket", "sagemaker_role_arn", "xgboost_image_uri")
# Hyperparameter run properties: name -> (default, parser that validates the value).
HYPERPARAMETERS = {
    "num_round": ("100", int),
    "max_depth": ("5", int),
    "eta": ("0.2", float),
    "objective": ("binary:logistic", str),
}
# The algorithm's other hyperparameters (SageMaker Developer Guide, "XGBoost
# hyperparameters"): each is sent when the node reads a run property of that name
# (reads=, with a default or -p), e.g. scale_pos_weight for imbalanced classes.
# SageMaker checks their values; the training job's failure names a bad one.
PASSED_THROUGH = (
    "eval_metric", "early_stopping_rounds", "scale_pos_weight", "min_child_weight",
    "subsample", "colsample_bytree", "colsample_bylevel", "colsample_bynode", "gamma",
    "lambda", "alpha", "max_delta_step", "tree_method", "max_bin", "grow_policy",
    "max_leaves", "booster", "num_class", "base_score", "seed", "sketch_eps",
    "num_parallel_tree", "sample_type", "normalize_type", "rate_drop", "one_drop",
    "skip_drop", "tweedie_variance_power", "csv_weights", "nthread", "verbosity",
    "max_cat_to_onehot",
)  # fmt: skip
# The pipeline evaluates, gates and serves the probability of the positive label: the
# objectives whose prediction is one. Others train a model whose scores the rest of the
# pipeline would misread: binary:logitraw (margins, e.g. -7.9), binary:hinge (0/1),
# multi:* (one score per class), reg:squarederror and the like (any real number).
PROBABILITY_OBJECTIVES = ("binary:logistic", "reg:logistic")
# XGBoost hyperparameters that only a non-binary objective uses
NON_BINARY = ("num_class",)
DEFAULT_INSTANCE_TYPE = "ml.m5.large"
DEFAULT_MAX_RUNTIME = 3600


def hyperparameters(properties: dict[str, str]) -> dict[str, str]:
    """String hyperparameters from run properties, defaults filled in, values checked."""
    chosen: dict[str, str] = {}
    for name, (default, parse) in HYPERPARAMETERS.items():
        value = properties.get(name, "").strip() or default
        try:
            parsed = parse(value)
        except ValueError:
            raise JobInputError(
                f"run property {name}={value!r} is not a valid {parse.__name__}: set it to "
                f"e.g. {default!r} (workflow default run properties or run --property)"
            ) from None
        if isinstance(parsed, (int, float)) and not isinstance(parsed, bool) and parsed <= 0:
            raise JobInputError(f"run property {name}={value!r} must be greater than 0")
        chosen[name] = value
    for name in PASSED_THROUGH:
        if properties.get(name, "").strip():
            chosen[name] = properties[name].strip()
    if chosen["objective"] not in PROBABILITY_OBJECTIVES:
        raise JobInputError(
            f"run property objective={chosen['objective']!r}: this pipeline trains a binary "
            "classifier whose score is the probability of the positive label (evaluate, the "
            "gate and the endpoint read it so); use objective "
            f"{' or '.join(map(repr, PROBABILITY_OBJECTIVES))} (default binary:logistic)"
        )
    extra = [name for name in NON_BINARY if name in chosen]
    if extra:
        raise JobInputError(
            f"run property {extra[0]}={chosen[extra[0]]!r} is for multiclass objectives; this "
            "pipeline trains a binary classifier: remove it from the node's reads or defaults"
        )
    return chosen


def instance_count(args: dict[str, str]) -> int:
    """``--training_instance_count`` (the node's ``instance_count``), default 1."""
    return ops.count_arg(args, "training_instance_count", 1)


def channel(name: str, uri: str, *, sharded: bool = False) -> dict[str, object]:
    """An S3Prefix CSV channel. ``sharded``: each instance gets about 1/n of the objects
    (ShardedByS3Key, SageMaker API Reference S3DataSource), so n instances train on n
    disjoint parts of the data instead of n copies of it."""
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "S3Prefix",
                "S3Uri": uri,
                "S3DataDistributionType": "ShardedByS3Key" if sharded else "FullyReplicated",
            }
        },
        "ContentType": "text/csv",
        "CompressionType": "None",
    }


def build_request(ctx: JobContext, name: str, inputs: dict[str, str]) -> dict[str, object]:
    """The CreateTrainingJob request for ``name`` (no secrets: roles and URIs only)."""
    args = ctx.args
    bucket = args["artifacts_bucket"]
    count = instance_count(args)
    return {
        "TrainingJobName": name,
        "RoleArn": args["sagemaker_role_arn"],
        "AlgorithmSpecification": {
            "TrainingImage": args["xgboost_image_uri"],
            "TrainingInputMode": "File",
        },
        # Only the hyperparameters the node declares in reads= are visible.
        "HyperParameters": hyperparameters(dict(ctx.properties())),
        "InputDataConfig": [
            # Validation stays whole on every instance: metrics are then the same
            # figures a single instance reports.
            channel("train", inputs["train_uri"], sharded=count > 1),
            channel("validation", inputs["validation_uri"]),
        ],
        "OutputDataConfig": {
            "S3OutputPath": (
                f"s3://{bucket}/glue-wf/{ctx.workflow_name}/runs/{ctx.run_id}/{ctx.node or NODE}"
            )
        },
        "ResourceConfig": {
            "InstanceType": args.get("training_instance_type") or DEFAULT_INSTANCE_TYPE,
            "InstanceCount": count,
            "VolumeSizeInGB": 10,
        },
        "StoppingCondition": {
            "MaxRuntimeInSeconds": ops.seconds_arg(
                args, "training_max_runtime", DEFAULT_MAX_RUNTIME
            )
        },
        "Tags": [
            {"Key": "glue-wf:workflow", "Value": ctx.workflow_name},
            {"Key": "glue-wf:run-id", "Value": ctx.run_id},
        ],
    }


def warn_few_objects(s3: Any, uri: str, count: int) -> None:
    """SageMaker accepts fewer train objects than instances (the extra ones get no data
    and are billed idle: API Reference, S3DataSource ShardedByS3Key); say so in the log."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=count)
    found = [o for o in listed.get("Contents", []) if int(o.get("Size", 0)) > 0]
    if len(found) < count:
        print(
            f"warning: {uri} holds {len(found)} data object(s) for {count} training "
            f"instances: {count - len(found)} instance(s) will get no data (ShardedByS3Key). "
            "Write at least one file per instance from the ETL, or lower instance_count."
        )


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(
        sys.argv if argv is None else argv, required=REQUIRED_ARGS, session=session
    )
    inputs = ctx.require("train_uri", "validation_uri")
    hyperparameters(dict(ctx.properties()))  # fail on a bad value before touching SageMaker
    count = instance_count(ctx.args)
    if count > 1:
        warn_few_objects(ctx.client("s3"), inputs["train_uri"], count)
    sm = ctx.client("sagemaker")
    name, attached = ops.start_or_attach_training_job(
        sm,
        workflow=ctx.workflow_name,
        run_id=ctx.run_id,
        node=ctx.node or NODE,
        build_request=lambda job_name: build_request(ctx, job_name, inputs),
    )
    final = ops.wait_training_job(sm, name)
    artifact = final.get("ModelArtifacts", {}).get("S3ModelArtifacts")
    if not artifact:
        raise ops.failure(f"training job {name} Completed without ModelArtifacts")
    metrics = {
        str(m["MetricName"]): float(m["Value"]) for m in final.get("FinalMetricDataList", [])
    }
    ctx.put(
        training_job_name=name,
        model_artifact_uri=str(artifact),
        training_metrics=json.dumps(metrics, sort_keys=True),
    )
    print(
        f"training job {name} Completed ({'attached' if attached else 'started'} by this attempt);"
        f" model {artifact}; metrics {json.dumps(metrics, sort_keys=True)}"
    )


if __name__ == "__main__":
    run_job(main)

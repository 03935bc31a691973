"""Read what ``runs.cost`` prices: the run graph and the SageMaker jobs and endpoint it made.

A node's SageMaker training/processing job has the job library's deterministic name
(``jobkit.sagemaker_ops.resource_name``: workflow, run ID, node, attempt), so the report
describes exactly this run's jobs; a name SageMaker does not know
(``ValidationException`` "Requested resource not found.") is a node that started none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from glue_workflow.jobkit.sagemaker_ops import MAX_ATTEMPTS, resource_name
from glue_workflow.runs.cost import Rates, SageMakerCost, sagemaker_cost
from glue_workflow.runs.run_nodes import graph_nodes, job_runs_of


def _describe(call: Any, **params: Any) -> dict[str, Any] | None:
    try:
        return dict(call(**params))
    except Exception as exc:  # botocore ClientError, without importing botocore
        error = getattr(exc, "response", {}).get("Error", {})
        message = str(error.get("Message")).lower()
        # AWS: "Requested resource not found."; moto: "Could not find training job ..."
        if error.get("Code") == "ValidationException" and (
            "not found" in message or "could not find" in message
        ):
            return None
        raise


def _seconds(start: Any, end: Any) -> float:
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        return max(0.0, (end - start).total_seconds())
    return 0.0


def sagemaker_usage(
    sm: Any,
    run: Mapping[str, Any],
    workflow: str,
    rates: Rates,
    now: dt.datetime,
) -> list[SageMakerCost]:
    run_id = str(run.get("WorkflowRunId") or "")
    found: list[SageMakerCost] = []
    for node in graph_nodes(run):
        if node.get("Type") != "JOB" or not job_runs_of(node):
            continue
        job = str(node.get("Name"))
        short = job[len(workflow) + 1 :] if job.startswith(f"{workflow}-") else job
        for attempt in range(1, MAX_ATTEMPTS + 1):
            name = resource_name(workflow=workflow, run_id=run_id, node=short, attempt=attempt)
            training = _describe(sm.describe_training_job, TrainingJobName=name)
            if training is not None:
                config = training.get("ResourceConfig") or {}
                seconds = float(
                    training.get("BillableTimeInSeconds")
                    or training.get("TrainingTimeInSeconds")
                    or 0
                )
                found.append(
                    sagemaker_cost(
                        kind="training",
                        name=name,
                        node=short,
                        instance_type=str(config.get("InstanceType")),
                        count=int(config.get("InstanceCount") or 1),
                        seconds=seconds,
                        rates=rates,
                    )
                )
                continue
            processing = _describe(sm.describe_processing_job, ProcessingJobName=name)
            if processing is None:
                break
            cluster = (processing.get("ProcessingResources") or {}).get("ClusterConfig") or {}
            found.append(
                sagemaker_cost(
                    kind="processing",
                    name=name,
                    node=short,
                    instance_type=str(cluster.get("InstanceType")),
                    count=int(cluster.get("InstanceCount") or 1),
                    seconds=_seconds(
                        processing.get("ProcessingStartTime"), processing.get("ProcessingEndTime")
                    ),
                    rates=rates,
                )
            )
    found += _endpoint(sm, run, rates, now)
    return found


def _endpoint(
    sm: Any, run: Mapping[str, Any], rates: Rates, now: dt.datetime
) -> list[SageMakerCost]:
    """The endpoint config this run deployed: instance-hours since it was created."""
    props = run.get("WorkflowRunProperties") or {}
    config_name = props.get("endpoint_config_name")
    if props.get("deploy_status") != "deployed" or not config_name:
        return []
    config = _describe(sm.describe_endpoint_config, EndpointConfigName=config_name)
    started, created = run.get("StartedOn"), (config or {}).get("CreationTime")
    if config is None or (
        isinstance(started, dt.datetime) and isinstance(created, dt.datetime) and created < started
    ):
        # none, or created before this run: deployed by an earlier run (the one this run
        # resumed, or whose deploy the step cache served) and priced there
        return []
    seconds = _seconds(config.get("CreationTime"), now)
    return [
        sagemaker_cost(
            kind="hosting",
            name=str(props.get("deployed_endpoint") or config_name),
            node="deploy",
            instance_type=str(variant.get("InstanceType")),
            count=int(variant.get("InitialInstanceCount") or 1),
            seconds=seconds,
            rates=rates,
            note="running: accrues until the endpoint is updated or deleted",
        )
        for variant in config.get("ProductionVariants") or []
        if variant.get("InstanceType")
    ]

"""Serve a model package on an endpoint: model, config, blue/green rollout, smoke test.

Shared by the ``deploy`` job and ``glue-wf promote``; runs on Glue's Python shell
(Python 3.9, stdlib + boto3), so no 3.10+ syntax or APIs. Progress lines go to
``log`` (``print`` in a job).
"""

from __future__ import annotations

import time
from typing import Any, Callable

from botocore.exceptions import ClientError

from glue_workflow.jobkit import sagemaker_ops as ops

VARIANT = "AllTraffic"  # blue/green needs the same variant name across configs
DEFAULT_INSTANCE_TYPE = "ml.m5.large"
SMOKE_ROWS = 5
ENDPOINT_TIMEOUT = 3600.0

Log = Callable[[str], None]


def deployment_config(alarms: str = "") -> dict[str, object]:
    """Blue/green, all traffic at once after baking, with optional rollback alarms."""
    config: dict[str, object] = {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
            "TerminationWaitInSeconds": 0,
            "MaximumExecutionTimeoutInSeconds": 1800,
        }
    }
    names = [a.strip() for a in alarms.split(",") if a.strip()]
    if len(names) > 10:
        raise ops.failure(f"--rollback_alarms names {len(names)} alarms; SageMaker allows 10")
    if names:
        config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": a} for a in names]}
    return config


def _tags(workflow: str) -> list[dict[str, str]]:
    return [{"Key": "glue-wf:workflow", "Value": workflow}] if workflow else []


def ensure_model(sm: Any, name: str, package_arn: str, role: str, workflow: str) -> None:
    if ops.describe_or_none(sm.describe_model, ModelName=name) is not None:
        return
    sm.create_model(
        ModelName=name,
        Containers=[{"ModelPackageName": package_arn}],
        ExecutionRoleArn=role,
        Tags=_tags(workflow),
    )


def ensure_endpoint_config(
    sm: Any, name: str, model: str, instance_type: str, workflow: str, *, count: int = 1
) -> None:
    if ops.describe_or_none(sm.describe_endpoint_config, EndpointConfigName=name) is not None:
        return
    sm.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": VARIANT,
                "ModelName": model,
                "InitialInstanceCount": count,
                "InstanceType": instance_type,
                "InitialVariantWeight": 1.0,
            }
        ],
        Tags=_tags(workflow),
    )


def create_endpoint(sm: Any, endpoint: str, config: str, workflow: str) -> None:
    # CreateEndpoint reads the config with an eventually consistent read: retry briefly
    # when it says the config is not there yet; any other refusal (a name, a tag, a
    # quota) fails at once.
    for attempt in range(5):
        try:
            sm.create_endpoint(
                EndpointName=endpoint, EndpointConfigName=config, Tags=_tags(workflow)
            )
            return
        except ClientError as exc:
            if not ops.is_not_found(exc) or attempt == 4:
                raise
            time.sleep(2.0 * (attempt + 1))


def roll_out(
    sm: Any, endpoint: str, config: str, alarms: str, workflow: str, *, log: Log = print
) -> str | None:
    """Create or update the endpoint onto ``config``; returns the config it replaced."""
    current = ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
    if current is None:
        log(f"creating endpoint {endpoint} on {config}")
        create_endpoint(sm, endpoint, config, workflow)
        return None
    if current.get("EndpointStatus") in ops.ENDPOINT_BUSY:
        # Never stack updates: let the one in flight finish first.
        current = ops.wait_endpoint_settled(sm, endpoint, timeout=ENDPOINT_TIMEOUT, log=log)
    previous = str(current.get("EndpointConfigName") or "") or None
    if previous == config:
        log(f"endpoint {endpoint} already serves {config}: nothing to update")
        return None
    if current.get("EndpointStatus") != "InService":
        raise ops.failure(
            f"endpoint {endpoint} is {current.get('EndpointStatus')} "
            f"({ops.failure_reason(current)}): only an InService endpoint is updated; "
            f"delete it (glue-wf delete-endpoint {endpoint}, or aws sagemaker delete-endpoint "
            f"--endpoint-name {endpoint}) and rerun to recreate it"
        )
    log(f"updating endpoint {endpoint}: {previous} -> {config} (blue/green)")
    sm.update_endpoint(
        EndpointName=endpoint,
        EndpointConfigName=config,
        DeploymentConfig=deployment_config(alarms),
    )
    return previous


def smoke_rows(s3: Any, test_uri: str, count: int = SMOKE_ROWS) -> list[str]:
    """The first ``count`` rows of the test split without the label (first) column."""
    uri = ops.first_object_under(s3, test_uri)
    rows = []
    for line in ops.read_s3_bytes(s3, uri).decode("utf-8").splitlines():
        if line.strip():
            rows.append(line.split(",", 1)[1] if "," in line else "")
        if len(rows) == count:
            break
    if not rows or not all(rows):
        raise ops.failure(f"{uri} has no label-first CSV rows to smoke-test the endpoint with")
    return rows


def invoke_rows(runtime: Any, endpoint: str, rows: list[str]) -> list[float]:
    """Send feature rows (CSV, no label) to the endpoint; one numeric score per row or fail."""
    response = runtime.invoke_endpoint(
        EndpointName=endpoint, ContentType="text/csv", Accept="text/csv", Body="\n".join(rows)
    )
    text = response["Body"].read().decode("utf-8")
    try:
        scores = [float(v) for v in text.replace("\n", ",").split(",") if v.strip()]
    except ValueError:
        raise ops.failure(
            f"endpoint {endpoint} answered a non-numeric body: {text[:200]!r}"
        ) from None
    if len(scores) != len(rows):
        raise ops.failure(
            f"endpoint {endpoint} returned {len(scores)} scores for {len(rows)} rows: "
            f"{text[:200]!r}"
        )
    return scores


def smoke_test(runtime: Any, s3: Any, endpoint: str, test_uri: str) -> list[float]:
    return invoke_rows(runtime, endpoint, smoke_rows(s3, test_uri))


def retire(sm: Any, config: str, *, log: Log = print) -> None:
    """Delete a replaced EndpointConfig and its model (only ever after a successful update)."""
    described = ops.describe_or_none(sm.describe_endpoint_config, EndpointConfigName=config)
    if described is None:
        return
    sm.delete_endpoint_config(EndpointConfigName=config)
    for variant in described.get("ProductionVariants", []):
        model = variant.get("ModelName")
        if model:
            try:
                sm.delete_model(ModelName=model)
            except ClientError as exc:
                if not ops.is_not_found(exc):
                    raise
    log(f"deleted endpoint config {config} and its model (no longer served)")

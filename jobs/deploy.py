"""Glue Python shell job ``deploy``: serve an Approved model package on an endpoint.

Only an ``Approved`` package is deployed. A package awaiting manual approval ends
this job SUCCEEDED with ``deploy_status=awaiting_approval`` (the run succeeded and
says so); approve the package, then resume the run from this node to deploy it.

For an Approved package: CreateModel from the package, a new EndpointConfig for this
run (configs are immutable), then CreateEndpoint, or UpdateEndpoint with a blue/green
DeploymentConfig (optional auto-rollback CloudWatch alarms from
``--rollback_alarms``, comma separated). Success means InService **on the new
config** (a rolled-back update also ends InService) and a smoke test: rows of the
test split sent to InvokeEndpoint return one score each. Only then is the previous
EndpointConfig (and its model) deleted.

Reads ``model_package_arn``, ``endpoint_name``, ``test_uri``; writes
``deploy_status`` (deployed|awaiting_approval), ``endpoint_config_name``,
``deployed_endpoint``, ``smoke_test``, ``replaced_endpoint_config``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from botocore.exceptions import ClientError

from glue_workflow.jobkit import JobContext, run_job
from glue_workflow.jobkit import sagemaker_ops as ops

NODE = "deploy"  # the node name when the job runs outside a workflow
REQUIRED_ARGS = ("sagemaker_role_arn",)
VARIANT = "AllTraffic"  # blue/green needs the same variant name across configs
DEFAULT_INSTANCE_TYPE = "ml.m5.large"
SMOKE_ROWS = 5
ENDPOINT_TIMEOUT = 3600.0


def deployment_config(alarms: str) -> dict[str, object]:
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


def ensure_model(sm: Any, name: str, package_arn: str, role: str, workflow: str) -> None:
    if ops.describe_or_none(sm.describe_model, ModelName=name) is not None:
        return
    sm.create_model(
        ModelName=name,
        Containers=[{"ModelPackageName": package_arn}],
        ExecutionRoleArn=role,
        Tags=[{"Key": "glue-wf:workflow", "Value": workflow}],
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
        Tags=[{"Key": "glue-wf:workflow", "Value": workflow}],
    )


def create_endpoint(sm: Any, endpoint: str, config: str, workflow: str) -> None:
    # CreateEndpoint reads the config with an eventually consistent read: retry briefly.
    for attempt in range(5):
        try:
            sm.create_endpoint(
                EndpointName=endpoint,
                EndpointConfigName=config,
                Tags=[{"Key": "glue-wf:workflow", "Value": workflow}],
            )
            return
        except ClientError as exc:
            if ops.error_code(exc) != "ValidationException" or attempt == 4:
                raise
            time.sleep(2.0 * (attempt + 1))


def roll_out(sm: Any, endpoint: str, config: str, alarms: str, workflow: str) -> str | None:
    """Create or update the endpoint onto ``config``; returns the config it replaced."""
    current = ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
    if current is None:
        print(f"creating endpoint {endpoint} on {config}")
        create_endpoint(sm, endpoint, config, workflow)
        return None
    if current.get("EndpointStatus") in ops.ENDPOINT_BUSY:
        # Never stack updates: let the one in flight finish first.
        current = ops.wait_endpoint_settled(sm, endpoint, timeout=ENDPOINT_TIMEOUT)
    previous = str(current.get("EndpointConfigName") or "") or None
    if previous == config:
        print(f"endpoint {endpoint} already uses {config} (an earlier attempt of this run)")
        return None
    if current.get("EndpointStatus") != "InService":
        raise ops.failure(
            f"endpoint {endpoint} is {current.get('EndpointStatus')} "
            f"({ops.failure_reason(current)}): only an InService endpoint is updated; "
            f"delete it (glue-wf delete-endpoint {endpoint}, or aws sagemaker delete-endpoint "
            f"--endpoint-name {endpoint}) and rerun to recreate it"
        )
    print(f"updating endpoint {endpoint}: {previous} -> {config} (blue/green)")
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


def smoke_test(runtime: Any, s3: Any, endpoint: str, test_uri: str) -> list[float]:
    rows = smoke_rows(s3, test_uri)
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


def retire(sm: Any, config: str) -> None:
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
    print(f"deleted previous endpoint config {config}")


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(
        sys.argv if argv is None else argv, required=REQUIRED_ARGS, session=session
    )
    found = ctx.require("model_package_arn", "endpoint_name", "test_uri")
    endpoint = ops.validate_name("endpoint", found["endpoint_name"])
    package_arn = found["model_package_arn"]
    sm = ctx.client("sagemaker")
    package = sm.describe_model_package(ModelPackageName=package_arn)
    approval = package.get("ModelApprovalStatus")
    if approval != "Approved":
        ctx.put(deploy_status="awaiting_approval", deployed_endpoint="", endpoint_config_name="")
        print(
            f"awaiting approval: model package {package_arn} is {approval}; nothing deployed. "
            "Approve it (aws sagemaker update-model-package --model-package-arn ... "
            "--model-approval-status Approved), then resume this run from the deploy node"
        )
        return
    model = ops.resource_name(workflow=ctx.workflow_name, run_id=ctx.run_id, node=ctx.node or NODE)
    config = ops.scoped_name(endpoint, ctx.run_id)
    instance_type = ctx.args.get("endpoint_instance_type") or DEFAULT_INSTANCE_TYPE
    ensure_model(sm, model, package_arn, ctx.args["sagemaker_role_arn"], ctx.workflow_name)
    count = ops.count_arg(ctx.args, "endpoint_instance_count", 1)
    ensure_endpoint_config(sm, config, model, instance_type, ctx.workflow_name, count=count)
    previous = roll_out(
        sm, endpoint, config, ctx.args.get("rollback_alarms", ""), ctx.workflow_name
    )
    if previous:
        # Remembered so that a retried attempt (endpoint already moved) still retires it.
        ctx.put(replaced_endpoint_config=previous)
    else:
        previous = ctx.properties().get("replaced_endpoint_config") or None
    final = ops.wait_endpoint_settled(sm, endpoint, timeout=ENDPOINT_TIMEOUT)
    ops.check_endpoint_serves(final, config)
    scores = smoke_test(
        ctx.client("sagemaker-runtime"), ctx.client("s3"), endpoint, found["test_uri"]
    )
    ctx.put(
        deploy_status="deployed",
        endpoint_config_name=config,
        deployed_endpoint=endpoint,
        smoke_test=json.dumps({"rows": len(scores), "scores": [round(s, 6) for s in scores]}),
    )
    if previous and previous != config:
        retire(sm, previous)
    print(f"deployed {package_arn} to endpoint {endpoint} on {config}; smoke test scores {scores}")


if __name__ == "__main__":
    run_job(main)

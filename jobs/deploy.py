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
``deploy_status`` (deployed|awaiting_approval|package_rejected), ``endpoint_config_name``,
``deployed_endpoint``, ``smoke_test``, ``replaced_endpoint_config``.

A package whose feature layout differs from the one the endpoint serves (its callers'
rows) is refused before anything is created, unless the node's argument
``--allow_feature_change`` is ``true`` (``glue_workflow.jobkit.feature_layout``).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from glue_workflow.jobkit import JobContext, feature_layout, run_job
from glue_workflow.jobkit import sagemaker_ops as ops
from glue_workflow.jobkit.endpoint_deploy import (
    DEFAULT_INSTANCE_TYPE,
    ENDPOINT_TIMEOUT,
    ensure_endpoint_config,
    ensure_model,
    retire,
    roll_out,
    smoke_test,
)

NODE = "deploy"  # the node name when the job runs outside a workflow
REQUIRED_ARGS = ("sagemaker_role_arn",)


def allowed(value: str) -> bool:
    text = value.strip().lower()
    if text not in ("true", "false"):
        raise ops.failure(f"--allow_feature_change={value!r} must be true or false")
    return text == "true"


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(
        sys.argv if argv is None else argv, required=REQUIRED_ARGS, session=session
    )
    allow_change = allowed(ctx.args.get("allow_feature_change", "false"))
    found = ctx.require("model_package_arn", "endpoint_name", "test_uri")
    endpoint = ops.validate_name("endpoint", found["endpoint_name"])
    package_arn = found["model_package_arn"]
    sm = ctx.client("sagemaker")
    package = sm.describe_model_package(ModelPackageName=package_arn)
    approval = package.get("ModelApprovalStatus")
    if approval == "Rejected":
        ctx.put(deploy_status="package_rejected", deployed_endpoint="", endpoint_config_name="")
        print(
            f"model package {package_arn} was rejected in the model registry; nothing "
            f"deployed (endpoint {endpoint} keeps serving what it served). Train a new model "
            "(glue-wf run --no-cache), or approve the package and resume this run from the "
            "deploy node"
        )
        return
    if approval != "Approved":
        ctx.put(deploy_status="awaiting_approval", deployed_endpoint="", endpoint_config_name="")
        print(
            f"awaiting approval: model package {package_arn} is {approval}; nothing deployed. "
            "Approve it (aws sagemaker update-model-package --model-package-arn ... "
            "--model-approval-status Approved), then resume this run from the deploy node"
        )
        return
    # Before anything is created: callers of a served endpoint send its row layout.
    feature_layout.guard(
        sm,
        ctx.client("s3"),
        endpoint,
        package,
        allow=allow_change,
        how_to_allow="set the deploy node's argument --allow_feature_change=true",
    )
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

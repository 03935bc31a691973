"""Is a cache entry's work still there? An entry whose outputs are gone is a miss.

Checked before an entry is served, from its recorded writes:

- every value that is an ``s3://`` URI: an object must exist at or under it;
- every SageMaker model package ARN: DescribeModelPackage must find it;
- an endpoint, when the writes hold ``deployed_endpoint`` and ``endpoint_config_name``
  (the shipped deploy job's contract): it must be InService on that config; an entry
  that deployed nothing (``deployed_endpoint`` empty, e.g. awaiting approval) is never
  served, since approval happens outside the key.

Python 3.9, boto3 only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from glue_workflow.jobkit import cache_store as store
from glue_workflow.jobkit.errors import JobFailed

MODEL_PACKAGE_ARN = ":model-package/"


def missing_output(
    client: Any, writes: Mapping[str, str], run_id: Any, reads: Mapping[str, Any] | None = None
) -> str | None:
    """Why the entry of ``run_id`` cannot be served, or None. ``client(service)``;
    ``reads``: the run properties the entry's key holds."""
    for value in writes.values():
        if value.startswith("s3://") and not store.exists_under(client("s3"), value):
            return f"outputs of run {run_id} are gone ({value})"
    from glue_workflow.jobkit import sagemaker_ops as ops  # botocore only when needed

    for value in writes.values():
        if value.startswith("arn:") and MODEL_PACKAGE_ARN in value:
            sm = client("sagemaker")
            if ops.describe_or_none(sm.describe_model_package, ModelPackageName=value) is None:
                return f"model package {value} of run {run_id} is gone"
    deployed = str((reads or {}).get("model_package_arn") or "")
    if writes.get("deployed_endpoint") and MODEL_PACKAGE_ARN in deployed:
        sm = client("sagemaker")
        package = ops.describe_or_none(sm.describe_model_package, ModelPackageName=deployed)
        status = (package or {}).get("ModelApprovalStatus")
        # rejected since (glue-wf approve --reject): deploy decides again; a registration
        # (served) is not redone, and a package approved since is deployed by the rerun
        if status != "Approved":
            return f"model package {deployed} that run {run_id} deployed is now {status or 'gone'}"
    endpoint, config = writes.get("deployed_endpoint"), writes.get("endpoint_config_name")
    if "deployed_endpoint" in writes and not endpoint:
        # e.g. awaiting approval: the outcome depends on state outside the key; redo it.
        status = writes.get("deploy_status") or "nothing deployed"
        return f"run {run_id} deployed nothing ({status})"
    if endpoint and config:
        sm = client("sagemaker")
        found = ops.describe_or_none(sm.describe_endpoint, EndpointName=endpoint)
        if found is None:
            return f"endpoint {endpoint} deployed by run {run_id} is gone"
        serving = found.get("EndpointConfigName")
        if found.get("EndpointStatus") == "InService" and serving != config:
            # (not a rollback: a later deploy moved it on)
            return (
                f"endpoint {endpoint} now serves config {serving}, not {config} that run "
                f"{run_id} deployed"
            )
        try:
            ops.check_endpoint_serves(found, config)
        except JobFailed as exc:
            return f"{exc} (deployed by run {run_id})"
    return None

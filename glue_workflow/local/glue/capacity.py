"""The capacity and settings of a job run, as ``StartJobRun`` resolves them.

A run keeps what ``StartJobRun`` was given (worker type and count, or DPUs; execution
class, security configuration, notification delay) and falls back to the job's own
for what it was not given, as Glue does ("For this job run, they replace the default
... set in the job definition itself", StartJobRun API reference). Combinations Glue
refuses are refused with Glue's messages.
"""

from __future__ import annotations

from typing import Any

from glue_workflow.local.glue.errors import invalid_input

# Glue's answers (InvalidInputException, HTTP 400), as AWS returns them:
# - "Please set only Allocated Capacity or Max Capacity." (moto's glue responses,
#   and AWS's UpdateJob/StartJobRun answer quoted in public CloudFormation tooling)
# - "Please do not set Max Capacity if using Worker Type and Number of Workers."
#   (StartJobRun error quoted in public Airflow DAGs; Job API reference: "Do not set
#   MaxCapacity if using WorkerType and NumberOfWorkers.")
# - "Please set both Worker Type and Number of Workers." (aws/aws-cdk#26241)
# - "To use Worker Type G.1X, minimum allowed value of Number of Workers is 2."
#   (aws-samples/cql-replicator#181, StartJobRun)
ONLY_ONE_CAPACITY = "Please set only Allocated Capacity or Max Capacity."
NO_MAX_WITH_WORKERS = "Please do not set Max Capacity if using Worker Type and Number of Workers."
BOTH_WORKER_SETTINGS = "Please set both Worker Type and Number of Workers."
MIN_WORKERS = 2
_PASSED_THROUGH = ("ExecutionClass", "SecurityConfiguration", "NotificationProperty")


def run_settings(job: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The JobRun fields of a ``StartJobRun`` ``request`` of ``job`` (or InvalidInput)."""
    given = {k: v for k, v in request.items() if v is not None}
    dpus = [k for k in ("AllocatedCapacity", "MaxCapacity") if k in given]
    workers = [k for k in ("WorkerType", "NumberOfWorkers") if k in given]
    if len(dpus) == 2:
        raise invalid_input(ONLY_ONE_CAPACITY)
    if dpus and workers:
        raise invalid_input(NO_MAX_WITH_WORKERS)
    out: dict[str, Any] = {}
    if workers or (not dpus and job.get("WorkerType")):
        worker_type = given.get("WorkerType", job.get("WorkerType"))
        count = given.get("NumberOfWorkers", job.get("NumberOfWorkers"))
        if worker_type is None or count is None:
            raise invalid_input(BOTH_WORKER_SETTINGS)
        if int(count) < MIN_WORKERS:
            raise invalid_input(
                f"To use Worker Type {worker_type}, minimum allowed value of Number of "
                f"Workers is {MIN_WORKERS}."
            )
        out.update(WorkerType=worker_type, NumberOfWorkers=int(count))
    elif dpus:
        value = given[dpus[0]]
        out["MaxCapacity"] = float(value)
        if dpus[0] == "AllocatedCapacity":
            out["AllocatedCapacity"] = int(value)
    elif job.get("MaxCapacity") is not None:
        out["MaxCapacity"] = float(job["MaxCapacity"])
    for key in _PASSED_THROUGH:
        value = given.get(key, job.get(key))
        if value is not None:
            out[key] = value
    if job.get("GlueVersion") is not None:
        out["GlueVersion"] = job["GlueVersion"]
    return out

"""Glue Python shell job ``reject``: record why the gate rejected the model.

Runs on the gate's FAILED branch. Reads ``gate_min_accuracy_reason`` (gate) and
``model_artifact_uri`` (train); writes ``rejected_model_uri`` and
``rejection_reason``. Nothing is registered or deployed for a rejected model.

The gate also ends FAILED when it cannot evaluate (a metric missing or not a
number: decision ``error``). That is not a rejection: this job then fails too, so
the run's verdict is a failure instead of "model rejected".
"""

from __future__ import annotations

import sys
from typing import Any

from glue_workflow.jobkit import JobContext, JobFailed, run_job

GATE = "min_accuracy"


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(sys.argv if argv is None else argv, required=(), session=session)
    found = ctx.require(f"gate_{GATE}_reason", "model_artifact_uri")
    reason = found[f"gate_{GATE}_reason"]
    model = found["model_artifact_uri"]
    decision = ctx.properties().get(f"gate_{GATE}_decision", "rejected")
    if decision != "rejected":
        raise JobFailed(
            f"gate {GATE} did not reject the model (decision {decision!r}): {reason}; "
            "nothing is recorded as rejected: fix the gate's inputs and resume the run"
        )
    ctx.put(rejected_model_uri=model, rejection_reason=reason)
    print(f"model rejected: {model} was not registered or deployed: {reason}")


if __name__ == "__main__":
    run_job(main)

"""Glue Python shell job ``reject``: record why the gate rejected the model.

Runs on the gate's FAILED branch. Reads ``gate_min_accuracy_reason`` (gate) and
``model_artifact_uri`` (train); writes ``rejected_model_uri`` and
``rejection_reason``. Nothing is registered or deployed for a rejected model.
"""

from __future__ import annotations

import sys
from typing import Any

from glue_workflow.jobkit import JobContext, run_job


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(sys.argv if argv is None else argv, required=(), session=session)
    found = ctx.require("gate_min_accuracy_reason", "model_artifact_uri")
    reason = found["gate_min_accuracy_reason"]
    model = found["model_artifact_uri"]
    ctx.put(rejected_model_uri=model, rejection_reason=reason)
    print(f"model rejected: {model} was not registered or deployed: {reason}")


if __name__ == "__main__":
    run_job(main)

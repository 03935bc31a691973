"""Glue Python shell job ``reject``: record why a gate rejected the model.

Runs on a gate's FAILED branch. Which gate: the argument ``--gate_decision`` (the
gate's ``decision`` name), or else the one ``gate_<decision>_reason`` the node declares
in ``reads=``. Reads ``gate_<decision>_reason`` (and ``gate_<decision>_decision`` when
declared) and ``model_artifact_uri``; writes ``rejected_model_uri`` and
``rejection_reason``. Nothing is registered or deployed for a rejected model.

The gate also ends FAILED when it cannot evaluate (a metric missing or not a
number: decision ``error``). That is not a rejection: this job then fails too, so
the run's verdict is a failure instead of "model rejected".
"""

from __future__ import annotations

import sys
from typing import Any

from glue_workflow.jobkit import JobContext, JobFailed, JobInputError, run_job

PREFIX, SUFFIX = "gate_", "_reason"


def gate_decision(ctx: JobContext) -> str:
    """The gate's decision name: ``--gate_decision``, else the declared reason's."""
    given = ctx.args.get("gate_decision", "").strip()
    if given:
        return given
    declared = [
        name[len(PREFIX) : -len(SUFFIX)]
        for name in ctx.contract.reads or ()
        if name.startswith(PREFIX) and name.endswith(SUFFIX) and len(name) > 12
    ]
    if len(declared) == 1:
        return declared[0]
    raise JobInputError(
        f"node {ctx.node or 'reject'!r} does not say which gate it handles: set "
        "arguments={'--gate_decision': '<the gate's decision name>'} on it (or declare "
        "exactly one gate_<decision>_reason in its reads=)"
    )


def main(argv: list[str] | None = None, session: Any = None) -> None:
    """The job; ``argv`` and ``session`` (a boto3 session) default to Glue's."""
    ctx = JobContext.from_argv(sys.argv if argv is None else argv, required=(), session=session)
    gate = gate_decision(ctx)
    reason_name, decision_name = f"gate_{gate}_reason", f"gate_{gate}_decision"
    found = ctx.require(reason_name, "model_artifact_uri")
    reason = found[reason_name]
    model = found["model_artifact_uri"]
    # Only the declared properties are visible: the decision is optional to declare.
    decision = dict(ctx.properties()).get(decision_name, "rejected")
    if decision != "rejected":
        raise JobFailed(
            f"gate {gate} did not reject the model (decision {decision!r}): {reason}; "
            "nothing is recorded as rejected: fix the gate's inputs, then run the gate again "
            "with them (glue-wf run --rerun-from <gate node> --of <this run> -p NAME=VALUE; "
            "resume reuses this run's properties)"
        )
    ctx.put(rejected_model_uri=model, rejection_reason=reason)
    print(f"model rejected: {model} was not registered or deployed: {reason}")


if __name__ == "__main__":
    run_job(main)

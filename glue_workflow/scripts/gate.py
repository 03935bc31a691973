"""Gate job: evaluate a metric condition over run properties, pass or reject.

Arguments (set by the compiler from a ``Gate`` node): ``--gate_name``,
``--gate_conditions`` (JSON list), ``--gate_require`` (all|any).
Records ``gate_<name>_decision`` (passed|rejected|error) and ``gate_<name>_reason``.
Ends SUCCEEDED when the gate passes; FAILED with "glue-wf job failed: gate ...
rejected: ..." when the model is rejected, or "glue-wf job input error: gate ...
evaluation error: ..." when a metric is missing or not a number.
Runs on Glue Python shell 3.9 (stdlib + boto3 + glue_workflow.jobkit).
"""

from __future__ import annotations

from glue_workflow.jobkit import JobContext, JobFailed, JobInputError, run_job
from glue_workflow.jobkit.context import DEFAULTS_PRODUCER
from glue_workflow.jobkit.gate import ERROR, PASSED, evaluate, gate_property, parse_conditions


def main() -> None:
    ctx = JobContext.from_argv(required=("gate_name", "gate_conditions"))
    name = ctx.args["gate_name"]
    conditions = parse_conditions(ctx.args["gate_conditions"])
    require = ctx.args.get("gate_require", "all")
    if require not in ("all", "any"):
        raise JobInputError(f"--gate_require must be 'all' or 'any', got {require!r}")
    props = ctx.properties()
    decision = evaluate(conditions, props, require)
    ctx.put(
        **{
            gate_property(name, "decision"): decision.decision,
            gate_property(name, "reason"): decision.reason,
        }
    )
    message = f"gate {name}: {decision.reason}"
    print(message, flush=True)
    if decision.decision == PASSED:
        return
    if decision.decision == ERROR:
        names = [c["metric"] for c in conditions] + [
            c["property"] for c in conditions if "property" in c
        ]
        bad = [n for n in dict.fromkeys(names) if n in decision.reason]
        hints = [
            f"{n} is expected from {_source(ctx.producers[n])}" for n in bad if n in ctx.producers
        ]
        raise JobInputError(message + (f" ({'; '.join(hints)})" if hints else ""))
    raise JobFailed(message)


def _source(producer: str) -> str:
    """Where a property comes from: a default may also be passed at start (-p)."""
    return f"{producer} or run -p at start" if producer == DEFAULTS_PRODUCER else producer


if __name__ == "__main__":
    run_job(main)

"""Verdict notifier job: publish the run's verdict once every other node has settled.

Arguments (set by the compiler from ``Workflow(notify=[...])``): ``--notify_targets``
(JSON list of ``{"type": "eventbridge"|"sns", ...}``), ``--notify_retries`` (JSON:
Glue job name -> MaxRetries), ``--notify_poll_seconds``, ``--console_url`` (the run's
page, ``{run_id}`` to fill) and, for ``ToSns()``, ``--notify_topic_arn`` (the infra
stack's topic). Started by the start trigger beside the first nodes; see
``glue_workflow.model.notify``. Runs on Glue Python shell 3.9 (stdlib + boto3 +
the job library).
"""

from __future__ import annotations

import json

from glue_workflow.jobkit import JobContext, JobInputError, run_job
from glue_workflow.verdict_notifier import build_message, publish, wait_settled


def main() -> None:
    ctx = JobContext.from_argv(required=("notify_targets", "console_url"))
    if not ctx.workflow_name or not ctx.run_id:
        raise JobInputError(
            "the verdict notifier runs inside a workflow run (no --WORKFLOW_NAME / "
            "--WORKFLOW_RUN_ID): start the workflow with 'glue-wf run'"
        )
    workflow, run_id = ctx.workflow_name, ctx.run_id
    try:
        targets = json.loads(ctx.args["notify_targets"])
        retries = json.loads(ctx.args.get("notify_retries") or "{}")
        poll = float(ctx.args.get("notify_poll_seconds") or 10)
    except ValueError as exc:
        raise JobInputError(f"notifier arguments are not valid: {exc}") from None
    for target in targets:
        if target.get("type") == "sns" and not target.get("topic_arn"):
            target["topic_arn"] = ctx.args.get("notify_topic_arn", "")
    own_job = f"{workflow}-{ctx.node}"
    glue = ctx.client("glue")
    run = wait_settled(
        lambda: glue.get_workflow_run(Name=workflow, RunId=run_id, IncludeGraph=True)["Run"],
        own_job,
        retries,
        poll_seconds=poll,
    )
    message = build_message(run, workflow, ctx.args["console_url"])
    sent = publish(message, targets, ctx.client)
    where = ", ".join(sent) or "nowhere (no target publishes this verdict)"
    print(f"notifier: verdict {message['verdict']} of run {run_id} sent to {where}", flush=True)


if __name__ == "__main__":
    run_job(main)

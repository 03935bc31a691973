"""``glue-wf job ... -p K=V [--from-run RUN]``: one job with chosen run properties."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import click

from glue_workflow.config import Settings
from glue_workflow.errors import NotSupportedError


def start_properties(settings: Settings, from_run: str | None) -> tuple[str, dict[str, str]]:
    """The defined workflow's name and the properties a job session starts from."""
    from glue_workflow.definition import build_document
    from glue_workflow.jobkit.contract import SYSTEM_PREFIX

    document = build_document(settings)
    properties = dict(document.workflow.get("DefaultRunProperties") or {})
    if from_run:
        from glue_workflow.runs import control, run_ids

        target = control.open_runs(settings)
        run = run_ids.get_run(target, from_run)
        # Not the earlier run's own bookkeeping (its --rerun-from, --no-cache, cache
        # decisions, failure reasons): a node would be "reused" from it and do nothing.
        earlier = run.get("WorkflowRunProperties") or {}
        properties.update({k: v for k, v in earlier.items() if not k.startswith(SYSTEM_PREFIX)})
    return document.name, properties


def run_with_properties(
    settings: Settings,
    script_or_job: str,
    arguments: Mapping[str, str],
    properties: Mapping[str, str],
    *,
    from_run: str | None,
    job_name: str | None,
    pythonshell: bool,
) -> int:
    if not settings.is_local:
        raise NotSupportedError(
            "glue-wf job runs a job on this machine against the local target; use "
            "--target local (on AWS, start a run with glue-wf run)"
        )
    from glue_workflow.cli.local_job import run_local_job
    from glue_workflow.local.glue.job_session import close_session, open_session

    workflow, start = start_properties(settings, from_run)
    start.update(properties)
    run_id = open_session(settings.home, workflow, start)
    code: Any = 1
    try:
        code = run_local_job(
            settings,
            script_or_job,
            arguments,
            workflow_run_id=run_id,
            workflow_name=workflow,
            job_name=job_name,
            pythonshell=pythonshell,
        )
    finally:
        final = close_session(settings.home, run_id)
    # What the job changed: a value it wrote again unchanged is not told from one it
    # did not write (the session keeps the values, not the writes).
    written = {k: v for k, v in final.items() if start.get(k) != v}
    click.echo(f"run properties new or changed: {len(written)}", err=True)
    for key in sorted(written):
        click.echo(f"  {key}={written[key]}", err=True)
    return int(code)

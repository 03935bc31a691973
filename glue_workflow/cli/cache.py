"""``glue-wf cache list | explain NODE | clear [NODE]``, and the cache options of ``run``."""

from __future__ import annotations

from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings

workflow_option = click.option(
    "--workflow", "workflow", default=None, help="Workflow name (default: the definition's)."
)


def cache_run_properties(
    settings: Any,
    target: Any,
    properties: dict[str, str],
    *,
    no_cache: bool,
    rerun_from: str | None,
    of: str | None,
) -> dict[str, str]:
    """Start properties for ``run --no-cache`` / ``--rerun-from NODE [--of RUN_ID]``."""
    from glue_workflow.aws.clients import client
    from glue_workflow.definition import load_workflow
    from glue_workflow.errors import ConfigError
    from glue_workflow.jobkit.cache import NO_CACHE_PROPERTY
    from glue_workflow.runs import control, rerun, run_ids
    from glue_workflow.runs.cache_view import cached_jobs

    control.refuse_reserved(properties)
    if of and not rerun_from:
        raise ConfigError("--of RUN_ID needs --rerun-from NODE: which node to rerun from")
    result = dict(properties)
    if no_cache:
        result[NO_CACHE_PROPERTY] = "true"
    if rerun_from:
        workflow = load_workflow(settings)
        if workflow.name != target.workflow:
            raise ConfigError(
                f"--rerun-from needs the definition of workflow {target.workflow}, but the "
                f"project defines {workflow.name}: run it from that workflow's project"
            )
        if rerun_from in set(workflow.node_names):
            rerun.refuse_failure_branch(workflow, rerun_from)
        earlier: dict[str, Any] | None
        if of:
            earlier = run_ids.get_run(target, of)
        else:
            runs = target.glue.runs(target.workflow, 50)
            earlier = rerun.latest_successful(runs, workflow, rerun_from)
            if earlier is None:
                raise rerun.RerunError(
                    f"--rerun-from {rerun_from}: workflow {target.workflow} has no successful "
                    f"run whose nodes upstream of {rerun_from} succeeded: pass --of RUN_ID, or "
                    "run the whole workflow first"
                )
        deployed = cached_jobs(target)
        plan = rerun.plan(workflow, rerun_from, earlier, deployed)
        s3 = client(settings, "s3")
        rerun.refuse_missing_outputs(s3, workflow, plan)
        rerun.refuse_changed_inputs(s3, workflow, plan, earlier, deployed)
        click.echo(
            f"rerun from {plan.node}: reusing {', '.join(plan.reuse) or 'nothing'} from run "
            f"{plan.of}; running {', '.join(plan.rerun)}",
            err=True,
        )
        rerun.refuse_unreached(workflow, plan, properties)
        result = {**plan.properties, **result}
    return result


@click.group("cache")
def cache_group() -> None:
    """Step cache entries: list them, explain a node's last decision, clear them."""


@cache_group.command("list")
@with_settings
@workflow_option
@json_option
def list_command(*, settings: Any, workflow: str | None, as_json: bool) -> None:
    """Every cached node's entries, newest first."""
    from glue_workflow.runs import cache_view, control

    target = control.open_runs(settings, workflow=workflow)
    items = cache_view.list_entries(settings, target)
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo(f"no cache entries for workflow {target.workflow}")
    for item in items:
        click.echo(
            f"{item['Node']:<14} run {item['RunId']}  {item['Created']}  key {item['Key'][:16]}"
            f"  {item['Location']}"
        )


@cache_group.command("explain")
@with_settings
@workflow_option
@click.argument("node")
@click.option("--run", "run_id", default=None, help="Run to explain (default: the latest).")
def explain_command(*, settings: Any, workflow: str | None, node: str, run_id: str | None) -> None:
    """Why NODE was served from the cache or ran, in a run (default: the latest)."""
    from glue_workflow.runs import cache_view, control, run_ids

    target = control.open_runs(settings, workflow=workflow)
    run = run_ids.get_run(target, run_id)
    for line in cache_view.explain(settings, target, run, node):
        click.echo(line)


@cache_group.command("clear")
@with_settings
@workflow_option
@click.argument("node", required=False)
def clear_command(*, settings: Any, workflow: str | None, node: str | None) -> None:
    """Delete the entries of NODE (default: of every cached node)."""
    from glue_workflow.runs import cache_view, control

    target = control.open_runs(settings, workflow=workflow)
    for node_name, count in cache_view.clear(settings, target, node):
        click.echo(f"{node_name}: {count} entr{'y' if count == 1 else 'ies'} deleted")


COMMANDS = [cache_group]

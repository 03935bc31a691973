"""``glue-wf run | status | runs | resume | stop | logs``: run control on any target."""

from __future__ import annotations

import sys
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings
from glue_workflow.errors import NotFoundError

workflow_option = click.option(
    "--workflow",
    "workflow",
    default=None,
    help="Workflow name (default: the one the project's definition declares).",
)


def _parse_property_options(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> dict[str, str]:
    """``-p KEY=VALUE`` pairs → dict; a malformed pair is a usage error (exit 2)."""
    parsed: dict[str, str] = {}
    for pair in values:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(
                f"{pair!r} is not KEY=VALUE with a non-empty KEY (e.g. -p min_accuracy=0.8)",
                ctx=ctx,
                param=param,
            )
        parsed[key.strip()] = value
    return parsed


fail_on_rejection_option = click.option(
    "--fail-on-rejection",
    is_flag=True,
    help="Exit 1 also when a failure was handled by a branch (e.g. a gate rejected the model).",
)


@click.command("run")
@with_settings
@workflow_option
@click.option(
    "-p",
    "--property",
    "properties",
    multiple=True,
    metavar="KEY=VALUE",
    callback=_parse_property_options,
    help="Run property for this run, over the workflow's defaults (repeatable).",
)
@json_option
@click.option("--wait", is_flag=True, help="Follow the run until it ends; exit with its verdict.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=1),
    default=None,
    metavar="SECONDS",
    help="With --wait: give up waiting after this long (the run continues).",
)
@fail_on_rejection_option
@click.option("--no-cache", is_flag=True, help="Run every cached node (forced misses).")
@click.option(
    "--rerun-from",
    metavar="NODE",
    default=None,
    help="Serve every node upstream of NODE from an earlier run; run NODE and what follows.",
)
@click.option(
    "--of",
    "of_run",
    metavar="RUN_ID",
    default=None,
    help="With --rerun-from: the earlier run (default: the latest successful one).",
)
def run_command(
    *,
    settings: Any,
    workflow: str | None,
    properties: dict[str, str],
    as_json: bool,
    wait: bool,
    timeout: float | None,
    fail_on_rejection: bool,
    no_cache: bool = False,
    rerun_from: str | None = None,
    of_run: str | None = None,
) -> None:
    """Start a workflow run (StartWorkflowRun); print its run id.

    With --json: {"RunId": ...}; with --wait as well, the final status JSON (as status --json).
    """
    from glue_workflow.runs import control

    control.check_properties(properties)  # before loading the definition: fail fast
    control.refuse_reserved(properties)
    target = control.open_runs(settings, workflow=workflow)
    given = set(properties)
    if no_cache or rerun_from or of_run:
        from glue_workflow.cli.cache import cache_run_properties

        properties = cache_run_properties(
            settings, target, properties, no_cache=no_cache, rerun_from=rerun_from, of=of_run
        )
    try:
        run_id, warnings = control.start(target, properties, given)  # not what glue-wf added
    except NotFoundError as exc:
        _undeployable(settings, workflow, exc)
        raise
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json and wait:
        click.echo(f"started run {run_id}", err=True)
    elif as_json:
        echo_json({"Workflow": target.workflow, "RunId": run_id, "Warnings": warnings})
    else:
        click.echo(run_id)
    if wait:
        _wait_and_exit(target, run_id, timeout, fail_on_rejection, as_json=as_json)


def _undeployable(settings: Any, workflow: str | None, exc: Exception) -> None:
    """A workflow that is not deployed because its definition does not validate: say so,
    rather than "deploy first" (the deploy would fail on the same problems)."""
    from glue_workflow.definition import validate_definition
    from glue_workflow.errors import DefinitionError

    if workflow is not None or "is not deployed" not in str(exc):
        return
    _, problems = validate_definition(settings)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise DefinitionError(errors) from None


@click.command("status")
@with_settings
@workflow_option
@json_option
@click.argument("run_id", required=False)
@click.option("--wait", is_flag=True, help="Follow the run until it ends; exit with its verdict.")
@click.option("--timeout", type=click.FloatRange(min=1), default=None, metavar="SECONDS")
@fail_on_rejection_option
def status_command(
    *,
    settings: Any,
    workflow: str | None,
    as_json: bool,
    run_id: str | None,
    wait: bool,
    timeout: float | None,
    fail_on_rejection: bool,
) -> None:
    """Node-by-node status and verdict of a run (default: the latest).

    RUN_ID: a run id (wr_...), a unique prefix of it (with or without wr_), or 'latest'.
    """
    from glue_workflow.runs import control, run_ids, view
    from glue_workflow.runs.failure_report import run_failures

    target = control.open_runs(settings, workflow=workflow)
    if wait:
        _wait_and_exit(
            target,
            run_ids.resolve_run_id(target, run_id),
            timeout,
            fail_on_rejection,
            as_json=as_json,
        )
        return
    run = run_ids.get_run(target, run_id)
    if as_json:
        echo_json(view.status_json(target.workflow, run, failures=run_failures(target, run)))
        return
    _print_run(target, run)


@click.command("runs")
@with_settings
@workflow_option
@json_option
@click.option("--limit", type=click.IntRange(min=1, max=1000), default=20, show_default=True)
def runs_command(*, settings: Any, workflow: str | None, as_json: bool, limit: int) -> None:
    """Run history, newest first, with verdicts and durations."""
    from glue_workflow.runs import control, view
    from glue_workflow.runs.follow_view import wide_console

    target = control.open_runs(settings, workflow=workflow)
    items = view.history_json(target.workflow, control.history(target, limit))
    if as_json:
        echo_json(items)
        return
    if not items:
        click.echo(f"workflow {target.workflow} has no runs yet: start one with glue-wf run")
        return
    wide_console().print(view.history_table(items))


@click.command("resume")
@with_settings
@workflow_option
@json_option
@click.argument("run_id")
@click.option(
    "--node",
    "nodes",
    multiple=True,
    metavar="NAME",
    help="Job node to rerun (with everything downstream); repeatable. "
    "Default: the failed, timed-out or stopped nodes no branch handled.",
)
@click.option("--wait", is_flag=True, help="Follow the new run until it ends.")
@click.option("--timeout", type=click.FloatRange(min=1), default=None, metavar="SECONDS")
@fail_on_rejection_option
def resume_command(
    *,
    settings: Any,
    workflow: str | None,
    as_json: bool,
    run_id: str,
    nodes: tuple[str, ...],
    wait: bool,
    timeout: float | None,
    fail_on_rejection: bool,
) -> None:
    """Resume a completed run from failed nodes (ResumeWorkflowRun); print the new run id.

    RUN_ID: a run id (wr_...), a unique prefix of it (with or without wr_), or 'latest'.
    With --json: {"RunId", "PreviousRunId", "Selected", "Restarted"}; with --wait as
    well, the new run's final status JSON.
    """
    from glue_workflow.runs import control, resume, run_ids

    target = control.open_runs(settings, workflow=workflow)
    run_id = run_ids.resolve_run_id(target, run_id)
    resumed = resume.resume(target, run_id, nodes)
    from glue_workflow.deploy.record import undeployed_note

    stale = undeployed_note(target.settings, target.workflow)
    if stale:  # a resume reruns the deployed scripts, as a run does
        click.echo(f"warning: {stale}", err=True)
    dropped = {name for name, _ in resumed.dropped}
    starts = [n for n in resumed.selected if n not in dropped]
    click.echo(
        f"resuming from {', '.join(starts)} "
        # ResumeWorkflowRun's NodeIds: restarted, each to run if its trigger fires (a
        # failure branch's does not when the node above it now succeeds)
        f"({len(resumed.restarted) or len(resumed.selected)} node(s) restarted)"
        + "".join(
            f"; {name} is downstream of {above} and reruns with it"
            for name, above in resumed.dropped
        ),
        err=True,
    )
    if as_json and not wait:
        echo_json(
            {
                "Workflow": target.workflow,
                "RunId": resumed.run_id,
                "PreviousRunId": run_id,
                "Selected": list(resumed.selected),
                "Restarted": list(resumed.restarted),
            }
        )
    elif not as_json:
        click.echo(resumed.run_id)
    if wait:
        _wait_and_exit(target, resumed.run_id, timeout, fail_on_rejection, as_json=as_json)


@click.command("stop")
@with_settings
@workflow_option
@click.argument("run_id")
def stop_command(*, settings: Any, workflow: str | None, run_id: str) -> None:
    """Stop a running workflow run (StopWorkflowRun).

    RUN_ID: a run id (wr_...), a unique prefix of it (with or without wr_), or 'latest'.
    """
    from glue_workflow.runs import control, run_ids

    target = control.open_runs(settings, workflow=workflow)
    run_id = run_ids.resolve_run_id(target, run_id)
    control.stop(target, run_id)
    click.echo(f"stopping run {run_id}; follow with: glue-wf status {run_id} --wait")


@click.command("logs")
@with_settings
@workflow_option
@click.argument("run_id")
@click.argument("node")
@click.option(
    "-f",
    "--follow",
    is_flag=True,
    help="Keep printing as the job writes, until its job run ends (on AWS: CloudWatch "
    "Logs); exit 1 unless it succeeded.",
)
@click.option(
    "--attempt",
    type=click.IntRange(min=0),
    default=None,
    help="An earlier attempt's log (Glue's Attempt: 0 is the first run, 1 its first "
    "retry); default the last attempt.",
)
def logs_command(
    *,
    settings: Any,
    workflow: str | None,
    run_id: str,
    node: str,
    follow: bool,
    attempt: int | None,
) -> None:
    """A node's job log: the file on the local target, the CloudWatch location on AWS.

    RUN_ID: a run id (wr_...), a unique prefix of it (with or without wr_), or 'latest'.
    """
    from glue_workflow.errors import NotFoundError
    from glue_workflow.runs import control, run_ids

    if follow and attempt is not None:
        raise click.UsageError("--follow follows the last attempt: drop --attempt")
    target = control.open_runs(settings, workflow=workflow)
    run_id = run_ids.resolve_run_id(target, run_id)
    if follow:
        from glue_workflow.errors import RunError
        from glue_workflow.runs.follow_logs import RETRIED
        from glue_workflow.runs.follow_logs import follow as follow_log

        def write(data: bytes) -> None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()

        location, state = follow_log(target, run_id, node, write)
        if state == RETRIED:  # a script following a log must not read it as success
            raise RunError(
                f"job run {location.job_run_id} of node {node} failed and is retried: "
                f"follow the retry with glue-wf logs {run_id} {node} --follow"
            )
        if state != "SUCCEEDED":
            raise RunError(
                f"job run {location.job_run_id} of node {node} ended {state}: glue-wf status "
                f"{run_id} says why"
            )
        return
    location = control.log_location(target, run_id, node, attempt)
    if location.path is None:
        click.echo(location.describe())
        return
    if not location.path.is_file():
        raise NotFoundError(f"no log file for job run {location.job_run_id}: {location.path}")
    with location.path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(65536), b""):
            sys.stdout.buffer.write(chunk)
    sys.stdout.flush()


def _wait_and_exit(
    target: Any,
    run_id: str,
    timeout: float | None,
    fail_on_rejection: bool,
    *,
    as_json: bool = False,
) -> None:
    from glue_workflow.runs import control, follow_view, view
    from glue_workflow.runs.failure_report import run_failures
    from glue_workflow.runs.verdict import RunVerdictError, judge

    try:
        if as_json:
            run = control.follow(target, run_id, timeout=timeout)
            echo_json(view.status_json(target.workflow, run, failures=run_failures(target, run)))
        else:
            run = follow_view.follow_live(target, run_id, timeout=timeout)
            _print_verdict(target, run)
    except KeyboardInterrupt:
        click.echo(
            f"stopped following run {run_id}; it keeps running: glue-wf status {run_id} "
            f"--wait, or glue-wf stop {run_id}",
            err=True,
        )
        raise
    verdict = judge(run)
    if verdict.exit_code(fail_on_rejection=fail_on_rejection):
        if verdict.outcome == "failed":
            _note_undeployed_changes(target)
        flag = " (--fail-on-rejection)" if verdict.outcome == "succeeded" else ""
        raise RunVerdictError(f"run {run_id}: {verdict.short_summary}{flag}")


def _note_undeployed_changes(target: Any) -> None:
    """After a failed run: say when the project differs from what ran. A fix made in a
    script, the definition or a dataset config only runs once deployed; rerunning
    without it fails the same way. Reads only, and only when the run failed."""
    from glue_workflow.deploy import deployer
    from glue_workflow.errors import GlueWfError

    settings = target.settings
    if not settings.definition.is_file():
        return
    try:
        deployed = deployer.open_target(settings)
        plan = deployer.make_plan(deployed, deployer.build(deployed), verify_artifacts=False)
    except GlueWfError:  # no definition to compare, or it does not build: said elsewhere
        return
    if plan.empty or plan.workflow_name != target.workflow:
        return
    # the resources that would change (an upload only serves one of them)
    named = [i for i in plan.instructions if i.type != "artifact"] or list(plan.instructions)
    changes = "; ".join(i.describe().strip() for i in named[:3])
    more = f" and {len(named) - 3} more" if len(named) > 3 else ""
    click.echo(
        f"note: the project differs from what is deployed ({changes}{more}): this run used "
        "the deployed version; if you fixed something, glue-wf deploy, then run again",
        err=True,
    )


def _print_run(target: Any, run: dict[str, Any]) -> None:
    from glue_workflow.demo.pipeline_report import data_quality_line
    from glue_workflow.runs import view
    from glue_workflow.runs.cache_view import job_notes
    from glue_workflow.runs.follow_view import wide_console
    from glue_workflow.runs.run_nodes import node_rows

    console = wide_console()
    stats = run.get("Statistics") or {}
    console.print(
        f"workflow {target.workflow}  run {run.get('WorkflowRunId')}  {run.get('Status')}"
        + (f"  (resumed from {run['PreviousRunId']})" if run.get("PreviousRunId") else ""),
        highlight=False,
    )
    if stats:
        counts = ", ".join(
            f"{k.removesuffix('Actions').lower()} {v}" for k, v in sorted(stats.items()) if v
        )
        console.print(f"actions: {counts or 'none'}", highlight=False)
    notes = job_notes(run, target.workflow)
    console.print(view.node_table(node_rows(run), view_now(), notes, wrap=not console.is_terminal))
    quality = data_quality_line(run.get("WorkflowRunProperties") or {})
    if quality:
        console.print(quality, highlight=False, soft_wrap=True, markup=False)
    _print_verdict(target, run)


def _print_verdict(target: Any, run: dict[str, Any]) -> None:
    from glue_workflow.runs import view
    from glue_workflow.runs.cache_view import notes as cache_notes
    from glue_workflow.runs.failure_report import run_failures
    from glue_workflow.runs.resume import resume_candidates
    from glue_workflow.runs.verdict import judge

    verdict = judge(run)
    click.echo(f"verdict: {verdict.short_summary}")
    for node, note in cache_notes(run).items():  # in full: the table's column is cut
        click.echo(f"cache {node}: {note}")
    where = "" if target.settings.is_local else " --target aws"
    handled = {n.job: n.handled_by for n in verdict.handled if n.handled_by}
    for failure in run_failures(target, run):
        lines = failure.lines()
        if failure.job in handled:  # expected: a branch of the definition ran on it
            head = f"{failure.node} {failure.state}"
            lines[0] = lines[0].replace(head, f"{head} (handled by {handled[failure.job]})", 1)
        for line in lines:
            click.echo(line)
        if failure.state == "TIMEOUT":  # a resume alone meets the same limit
            click.echo(
                f"  raise timeout= (minutes) of node {failure.node} in the definition, "
                "glue-wf deploy, then resume"
            )
        click.echo(f"  glue-wf logs {run.get('WorkflowRunId')} {failure.node}{where}")
    candidates = resume_candidates(run)
    if candidates:
        names = ", ".join(row.name for row in candidates)
        click.echo(f"resume: glue-wf resume {run.get('WorkflowRunId')}{where} restarts {names}")
    if target.settings.is_local:
        from glue_workflow.naming import local_console_url

        url = local_console_url(target.workflow, str(run.get("WorkflowRunId")))
        click.echo(f"console: run 'glue-wf console', then open {url}")
    else:
        click.echo(f"console: {view.console_url(target.settings.region, target.workflow)}")


def view_now() -> Any:
    import datetime as dt

    return dt.datetime.now(dt.UTC)


COMMANDS = [run_command, status_command, runs_command, resume_command, stop_command, logs_command]

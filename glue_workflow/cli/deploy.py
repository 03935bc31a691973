"""``glue-wf plan | deploy | destroy``: read-only plan, then execute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings

verify_option = click.option(
    "--verify-artifacts",
    is_flag=True,
    help="Check every artifact in S3, also those deployed jobs already reference.",
)


@click.command("plan")
@with_settings
@json_option
@verify_option
def plan_command(*, settings: Any, as_json: bool, verify_artifacts: bool) -> None:
    """Show what deploy would change (reads only). Empty when in sync."""
    from glue_workflow.deploy import deployer

    target = deployer.open_target(settings)
    document = deployer.build(target)
    plan = deployer.make_plan(target, document, verify_artifacts=verify_artifacts)
    if as_json:
        echo_json(plan.to_list())
        return
    if plan.empty:
        click.echo(f"workflow {plan.workflow_name}: up to date, nothing to do")
        return
    for instruction in plan.instructions:
        click.echo(instruction.describe())
        for name, change in sorted(instruction.changes.items()):
            if instruction.action == "update":
                for line in change_lines(name, change.get("From"), change.get("To")):
                    click.echo(f"    {line}")
    click.echo(f"{len(plan.instructions)} change(s); apply with: glue-wf deploy")


@click.command("deploy")
@with_settings
@json_option
@click.option("--dry-run", is_flag=True, help="Show the changes without making them.")
@verify_option
def deploy_command(*, settings: Any, as_json: bool, dry_run: bool, verify_artifacts: bool) -> None:
    """Create or update the workflow, jobs and triggers; upload scripts.

    Never starts a run: use glue-wf run. With --json, stdout is the executed plan (the
    list 'plan --json' prints; [] when in sync) and progress goes to stderr.
    """
    from glue_workflow.deploy import deployer

    echo = _progress(as_json)
    target = deployer.open_target(settings)
    document = deployer.build(target)
    plan = deployer.deploy(
        target, document, dry_run=dry_run, verify_artifacts=verify_artifacts, echo=echo
    )
    if not dry_run:  # in sync now: what a run says it runs when files change after
        from glue_workflow.deploy.record import write_record

        try:
            write_record(settings, document)
        except OSError as exc:  # the deploy itself succeeded: only the later note is lost
            click.echo(f"warning: could not record what was deployed ({exc})", err=True)
    if as_json:
        echo_json(plan.to_list())
        return
    if not plan.empty and not dry_run:
        click.echo(
            f"deployed workflow {plan.workflow_name} ({len(plan.instructions)} change(s)); "
            "start a run with: glue-wf run --wait"
        )


@click.command("destroy")
@with_settings
@json_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Show what would be deleted.")
@click.option(
    "--workflow",
    default=None,
    metavar="NAME",
    help="Destroy this workflow without loading the definition (broken, or gone): what "
    "it owns is found by its ownership tag.",
)
def destroy_command(
    *, settings: Any, as_json: bool, yes: bool, dry_run: bool, workflow: str | None
) -> None:
    """Delete the workflow and every job and trigger it owns (keeps bucket and roles).

    With --json, stdout is the executed plan (as 'plan --json'); progress goes to stderr.
    """
    from glue_workflow.deploy import deployer
    from glue_workflow.document import WorkflowDocument
    from glue_workflow.errors import GlueWfError

    echo = _progress(as_json)
    target = deployer.open_target(settings)
    if workflow:
        # ownership comes from the owner tag alone (deployer.destroy): no names needed
        document = WorkflowDocument(workflow={"Name": workflow}, jobs=(), triggers=())
    else:
        try:
            document = deployer.build(target)
        except GlueWfError:
            click.echo(
                "note: the definition does not build (below); to destroy the deployed "
                "workflow anyway: glue-wf destroy --workflow NAME",
                err=True,
            )
            raise
    if not (yes or dry_run):
        click.confirm(
            f"delete workflow {document.name} and every job and trigger it owns "
            f"on target {settings.target}?",
            abort=True,
            err=as_json,
        )
    plan = deployer.destroy(target, document, dry_run=dry_run, echo=echo)
    if as_json:
        echo_json(plan.to_list())
        return
    if not plan.empty and not dry_run:
        click.echo(
            f"destroyed workflow {plan.workflow_name} ({len(plan.instructions)} deletion(s))"
        )


def _progress(as_json: bool) -> Callable[[str], None]:
    """Where progress lines go: stdout, or stderr when stdout carries JSON."""
    if as_json:
        return lambda line: click.echo(line, err=True)
    return click.echo


def change_lines(name: str, before: Any, after: Any) -> list[str]:
    """One field's change, key by key where both sides are mappings (a map of run
    properties or job arguments differs in one key, and a cut-off repr would hide it)."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [f"{name}: {_short(before)} -> {_short(after)}"]
    lines = []
    for key in sorted(set(before) | set(after), key=str):
        where = f"{name}.{key}"
        if key not in before:
            lines.append(f"{where}: added {_short(after[key])}")
        elif key not in after:
            lines.append(f"{where}: removed (was {_short(before[key])})")
        elif before[key] != after[key]:
            lines += change_lines(where, before[key], after[key])
    return lines or [f"{name}: {_short(before)} -> {_short(after)}"]


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


COMMANDS = [plan_command, deploy_command, destroy_command]

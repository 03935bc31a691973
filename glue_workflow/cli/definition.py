"""``glue-wf validate``, ``glue-wf compile`` and ``glue-wf graph``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from glue_workflow.cli.common import echo_json, json_option, with_settings


@click.command()
@with_settings
@json_option
def validate(settings: Any, as_json: bool) -> None:
    """Check the workflow definition offline; exit 1 listing every problem."""
    from glue_workflow.definition import validate_definition
    from glue_workflow.errors import DefinitionError

    workflow, problems = validate_definition(settings)
    if workflow is not None and not settings.is_local:
        from glue_workflow.infra.guard import definition_problems

        # --target aws: also the names the deployed infra stack's IAM policy would deny
        defaults = dict(workflow.default_run_properties)
        problems = [*problems, *definition_problems(settings, workflow.name, defaults)]
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if as_json:
        echo_json(
            {
                "Workflow": workflow.name if workflow is not None else None,
                "Valid": not errors,
                "Problems": [
                    {"Severity": p.severity, "Where": p.where, "Rule": p.rule, "Message": p.message}
                    for p in problems
                ],
            }
        )
        if errors:
            raise click.exceptions.Exit(1)
        return
    for problem in warnings:
        click.echo(f"warning: {problem}", err=True)
    if errors or workflow is None:
        raise DefinitionError(errors)
    from glue_workflow.model.topology import resolve_triggers

    # Glue's workflow graph (and its 100-node guidance) counts jobs and triggers.
    jobs, triggers = len(workflow.jobs), len(resolve_triggers(workflow))  # notify= adds a job
    click.echo(
        f"{workflow.name}: valid ({jobs} jobs, {triggers} triggers: {jobs + triggers} nodes, "
        f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''})"
    )


@click.command(name="compile")
@with_settings
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the document to FILE instead of stdout.",
)
def compile_command(settings: Any, out: Path | None) -> None:
    """Print the compiled WorkflowDocument: the exact Glue API requests, as JSON.

    With --target aws, a bucket or role ARN not set in glue-wf.toml or the
    environment is read from the `glue-wf infra deploy` stack's outputs.
    """
    from glue_workflow.definition import build_document
    from glue_workflow.infra.outputs import fill_from_stack

    settings = fill_from_stack(settings, None)  # the stack is read only if needed
    document = build_document(settings)
    text = document.to_json()
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(
        f"wrote {out} ({len(document.jobs)} jobs, {len(document.triggers)} triggers, "
        f"{len(document.artifacts)} artifacts)",
        err=True,
    )


@click.command()
@with_settings
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid flowchart or Graphviz DOT.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of stdout.",
)
@click.option(
    "--document",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Draw a compiled document (glue-wf compile --out FILE) instead of the definition.",
)
def graph(settings: Any, fmt: str, out: Path | None, document: Path | None) -> None:
    """Draw the workflow DAG: jobs, triggers and the job states they watch."""
    from glue_workflow.definition import load_workflow
    from glue_workflow.diagram import from_document, from_workflow, render

    if document is not None:
        import json

        from glue_workflow.errors import DefinitionError

        try:
            data = json.loads(document.read_text(encoding="utf-8"))
            drawn = from_document(data)
        except (ValueError, KeyError, TypeError) as exc:
            raise DefinitionError(
                f"{document} is not a compiled workflow document "
                f'({{"Workflow", "Jobs", "Triggers"}}): {type(exc).__name__}: {exc}'
            ) from exc
    else:
        drawn = from_workflow(load_workflow(settings))
    text = render(drawn, fmt)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


COMMANDS = [validate, compile_command, graph]

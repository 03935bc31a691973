"""The ``glue-wf`` command line.

Each command module of this package defines ``COMMANDS: list[click.Command]``; they
are collected here. Command modules import only click at module level and load heavy
dependencies inside the command, so ``glue-wf --help`` stays fast.
Exit codes: 0 success, 1 failure (a ``GlueWfError``: message on stderr), 2 usage.
"""

from __future__ import annotations

import sqlite3
import sys

import click

from glue_workflow import __version__
from glue_workflow.errors import GlueWfError

# ``glue-wf --help`` lists the commands in these groups, in this order.
SECTIONS = {
    "Definition": ("init", "validate", "compile", "graph", "test"),
    "Deploy": ("plan", "deploy", "destroy"),
    "Runs": (
        "run",
        "status",
        "runs",
        "resume",
        "stop",
        "logs",
        "job",
        "pipeline-report",
        "cache",
        "events",
        "notifications",
        "report",
    ),
    "Models and endpoints": (
        "models",
        "approve",
        "stages",
        "promote",
        "endpoints",
        "invoke",
        "delete-endpoint",
    ),
    "Local target": ("sample-data", "upload-data", "env", "schedule", "console", "local"),
    "Infrastructure (AWS)": ("infra",),
}


class SectionedGroup(click.Group):
    """A group whose help lists its commands by section (``SECTIONS``)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        commands = {
            name: cmd
            for name in self.list_commands(ctx)
            if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden
        }
        placed = {name for names in SECTIONS.values() for name in names}
        sections = [*SECTIONS.items(), ("Other", tuple(sorted(set(commands) - placed)))]
        limit = formatter.width - 6 - max((len(n) for n in commands), default=0)
        for title, names in sections:
            rows = [(n, commands[n].get_short_help_str(limit)) for n in names if n in commands]
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


@click.group(
    cls=SectionedGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="glue-wf")
def cli() -> None:
    """Define, deploy, run and watch ML pipelines on AWS Glue workflows.

    Targets: --target local (default; no AWS account) or --target aws.
    """


def _register_commands() -> None:
    from glue_workflow.cli import (
        cache,
        console,
        definition,
        deploy,
        events,
        infra,
        init,
        job,
        local,
        notifications,
        pipeline,
        report,
        runs,
        sagemaker,
        stages,
        testing,
    )

    modules = (cache, console, definition, deploy, events, infra, init, job, local, notifications)
    for module in (*modules, pipeline, report, runs, sagemaker, stages, testing):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_commands()


def main() -> None:
    """Console-script entry point."""
    try:
        # Without standalone mode click returns ctx.exit(code) instead of exiting.
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__context__, KeyboardInterrupt):  # click turns Ctrl-C into Abort
            sys.exit(130)
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except GlueWfError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except sqlite3.DatabaseError as exc:
        from glue_workflow.local.store import damaged, state_error

        # locked past the busy timeout, read-only, disk full: the file is sound
        error = state_error(None, exc)
        if error is None:
            if type(exc) is not sqlite3.DatabaseError:  # no such table...: a bug's traceback
                raise
            error = damaged(None, exc)  # a page SQLite cannot read, found past the start
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def run() -> None:
    """The ``glue-wf`` console script: ``main``, then the exit without the interpreter's
    teardown of every module and object loaded (boto3's service models, the local
    services): 0.2-0.4 s after ``glue-wf run --wait`` has printed its verdict."""
    from glue_workflow.local.glue.shellsite.glue_wf_shell_spare import exit_now, exit_status

    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exit_status(exc)
    exit_now(code)

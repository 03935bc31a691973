"""The ``glue-wf`` command line.

Each module of this package defines ``COMMANDS: list[click.Command]``; they are
collected here. Command modules import only click at module level and load heavy
dependencies inside the command, so ``glue-wf --help`` stays fast.
Exit codes: 0 success, 1 failure (a ``GlueWfError``: message on stderr), 2 usage.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from glue_workflow import __version__
from glue_workflow.errors import GlueWfError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="glue-wf")
def cli() -> None:
    """Define, deploy, run and watch ML pipelines on AWS Glue workflows.

    Targets: --target local (default; no AWS account) or --target aws.
    """


def _register_commands() -> None:
    package = importlib.import_module(__name__)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_") or info.name == "common":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", []):
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
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)

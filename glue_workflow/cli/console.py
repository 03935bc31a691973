"""``glue-wf console``: the local Glue console in a browser."""

from __future__ import annotations

from typing import Any

import click

from glue_workflow.cli.common import with_settings

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


@click.command("console")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8321,
    show_default=True,
    help="Port to listen on (0: any free port).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to bind. Anything but loopback exposes the console to the network.",
)
@click.option(
    "--open/--no-open",
    "open_browser",
    default=False,
    show_default=True,
    help="Open the console in the default web browser.",
)
@with_settings
def console(settings: Any, port: int, host: str, open_browser: bool) -> None:
    """Serve the console: workflows, runs, live run graphs, logs, models and endpoints.

    Everything it shows comes through the same Glue and SageMaker calls as the CLI.
    """
    import webbrowser

    from glue_workflow.console.api import build_api
    from glue_workflow.console.server import ConsoleServer
    from glue_workflow.errors import ConfigError

    if host not in LOOPBACK_HOSTS:
        click.echo(
            f"warning: binding the console to {host}: anyone who can reach this machine "
            "can read your runs and start, stop and resume them",
            err=True,
        )
    api = build_api(settings)
    try:
        server = ConsoleServer(api, host, port)  # quiet: a live page polls every second
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; pick another --port"
        ) from exc
    click.echo(f"glue-wf console ({settings.target} target) at {server.url}  (Ctrl-C to stop)")
    if open_browser:
        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("console stopped")
    finally:
        server.server_close()


COMMANDS: list[click.Command] = [console]

"""``glue-wf notifications``: the run verdicts published locally; ``subscribe`` a webhook."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from glue_workflow.cli.common import echo_json, with_settings


def _local(settings: Any, what: str) -> Any:
    from glue_workflow.errors import ConfigError
    from glue_workflow.local.dispatch import install
    from glue_workflow.notify_log import ON_AWS

    if not settings.is_local:
        raise ConfigError(f"glue-wf notifications {what} works on the local target; {ON_AWS}")
    return install(settings.home)


@click.group("notifications", invoke_without_command=True)
@with_settings
@click.option("--workflow", default=None, help="Only this workflow's runs.")
@click.option("--limit", default=20, show_default=True, help="How many recent notifications.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def notifications_group(
    ctx: click.Context, settings: Any, workflow: str | None, limit: int, as_json: bool
) -> None:
    """Run verdicts published by Workflow(notify=[...]) on the local target, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    from glue_workflow.notify_log import recorded

    found = recorded(_local(settings, "lists"), limit, workflow)
    if as_json:
        echo_json([_json(n) for n in found])
        return
    if not found:
        click.echo("no notifications yet (Workflow(notify=[...]) publishes one per run)")
    for n in found:
        m = n.message
        when = dt.datetime.fromtimestamp(n.time, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{when} {n.channel} {m.get('workflow')} {m.get('runId')}: {m.get('verdict')}")
        if m.get("failedNode"):
            click.echo(f"  {m['failedNode']}: {m.get('reason') or ''}")
        click.echo(f"  {m.get('consoleUrl')}")
        for delivery in n.deliveries:
            if "endpoint" in delivery:
                outcome = delivery.get("error") or f"HTTP {delivery.get('status')}"
                click.echo(f"  webhook {delivery['endpoint']}: {outcome}")


@notifications_group.command("subscribe")
@with_settings
@click.argument("url")
def subscribe_command(settings: Any, url: str) -> None:
    """POST every verdict published to the notifications topic to URL (127.0.0.1 or
    localhost only): an SNS HTTP subscription of the local topic."""
    from glue_workflow.aws.clients import client
    from glue_workflow.definition import notify_topic_arn
    from glue_workflow.local.guard import is_loopback

    _local(settings, "subscribe")
    topic = notify_topic_arn(settings, str(settings.glue_role_arn))
    protocol = url.split("://", 1)[0].lower() if "://" in url else ""
    if protocol not in ("http", "https"):
        raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="URL")
    if not is_loopback(url):
        raise click.BadParameter(
            f"{url!r} is not on this machine: the local target delivers webhooks only to "
            "127.0.0.1, ::1 or localhost (it never reaches off the machine)",
            param_hint="URL",
        )
    answer = client(settings, "sns").subscribe(TopicArn=topic, Protocol=protocol, Endpoint=url)
    click.echo(f"subscribed {url} to {topic} ({answer['SubscriptionArn']})")


COMMANDS = [notifications_group]


def _json(notification: Any) -> dict[str, Any]:
    """The console's answer too (``notify_log.Notification.to_json``)."""
    return dict(notification.to_json())
